// SPDX-License-Identifier: MIT
// cpu_affinity - sched_getaffinity with a growing set, CPU lists and placement.
#include "measuring/cpu_affinity.h"

#include <sched.h>

#include <cerrno>
#include <memory>

namespace flood {

namespace {

constexpr int kFirstSetSize = 1024;       // CPUs; glibc's cpu_set_t
constexpr int kLargestSetSize = 1 << 20;  // far beyond any kernel's NR_CPUS

struct CpuSetFree {
  void operator()(cpu_set_t* set) const { CPU_FREE(set); }
};

}  // namespace

int cpu_affinity(pid_t pid, std::vector<int>& cpus) {
  cpus.clear();
  // The kernel refuses (EINVAL) a set smaller than its own CPU mask: grow it.
  for (int size = kFirstSetSize; size <= kLargestSetSize; size *= 2) {
    std::unique_ptr<cpu_set_t, CpuSetFree> set(CPU_ALLOC(size));
    if (!set) return ENOMEM;
    const std::size_t bytes = CPU_ALLOC_SIZE(size);
    CPU_ZERO_S(bytes, set.get());
    if (::sched_getaffinity(pid, bytes, set.get()) != 0) {
      if (errno == EINVAL) continue;
      return errno;
    }
    for (int cpu = 0; cpu < size; ++cpu) {
      if (CPU_ISSET_S(static_cast<std::size_t>(cpu), bytes, set.get())) cpus.push_back(cpu);
    }
    return 0;
  }
  return EINVAL;
}

std::string cpu_list(const std::vector<int>& cpus) {
  std::string text;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!text.empty()) text += ',';
    text += std::to_string(cpus[i]);
    if (j > i) text += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return text;
}

const char* placement(const std::vector<std::vector<int>>& sets) {
  if (sets.empty()) return "unknown";
  for (const auto& set : sets) {
    if (set.empty()) return "unknown";
  }
  for (const auto& set : sets) {
    if (set.size() != 1 || set[0] != sets[0][0]) return "spread";
  }
  return "one-cpu";
}

}  // namespace flood
