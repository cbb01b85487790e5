// SPDX-License-Identifier: MIT
// options_bench - parse_options() on the command lines the master really passes.
//
// Each child parses its argv once at start-up; this shows what that costs
// for a typical line (the stock postlog line, and a service with -o
// overrides and arguments). The argv vectors are built before the loop.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "config/options.h"

namespace {

// What the master passes for `postlog unix-dgram n - n - 1 postlogd`.
const std::vector<std::string> kPostlogArgv{"postlogd", "-l", "-n", "postlog", "-t", "unix-dgram", "-u"};

// A service with maxproc 4, master verbosity, overrides and its own words.
const std::vector<std::string> kServiceArgv{
    "dgram-sink", "-n",  "sink",         "-t", "unix-dgram", "-u", "-v",
    "-o",         "max_use=0",           "-o", "dgram_sink_check_sequence=yes",
    "-o",         "dgram_sink_summary_file=/tmp/dgram-bench/summary",
    "-o",         "stress=",             "-i", "30",         "--", "first-word", "second-word"};

void BM_ParsePostlogArgv(benchmark::State& state) {
  for (auto _ : state) {
    dgram::Options options = dgram::parse_options(kPostlogArgv);
    benchmark::DoNotOptimize(options.alone);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParsePostlogArgv);

void BM_ParseServiceArgv(benchmark::State& state) {
  for (auto _ : state) {
    dgram::Options options = dgram::parse_options(kServiceArgv);
    benchmark::DoNotOptimize(options.overrides.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseServiceArgv);

}  // namespace

BENCHMARK_MAIN();
