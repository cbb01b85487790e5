// SPDX-License-Identifier: MIT
// lock_gate_bench - one turn of the lock-file gate: acquire, then release.
//
// Children of a service with a process limit above 1 take the gate before
// each wait and drop it when a request arrives: two flock() calls per turn.
// The lock file is made in a temporary folder before the loop; the loop
// times acquire() + release() uncontended (a second descriptor on the same
// file, held by nobody, shows that an unrelated open file costs nothing).
#include <stdlib.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "dgram/error.h"
#include "serve/lock_file_gate.h"

namespace {

// TempFolder - a mkdtemp() folder removed with everything in it.
class TempFolder {
 public:
  TempFolder() {
    std::string templ = (std::filesystem::temp_directory_path() / "dgram-bench.XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) dgram::throw_errno("mkdtemp");
    path_ = templ;
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void BM_LockGateTurn(benchmark::State& state) {
  TempFolder folder;
  dgram::LockFileGate gate(folder.path() + "/unix-dgram.bench");
  for (auto _ : state) {
    benchmark::DoNotOptimize(gate.acquire());
    gate.release();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LockGateTurn);

// The constructor: what each child pays once at start-up (open, fstat).
void BM_LockGateOpen(benchmark::State& state) {
  TempFolder folder;
  std::string path = folder.path() + "/unix-dgram.bench";
  for (auto _ : state) {
    dgram::LockFileGate gate(path);
    benchmark::DoNotOptimize(gate.fd());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LockGateOpen);

}  // namespace

BENCHMARK_MAIN();
