// Helpers of the two-thread probes in bench/kernels (column-strips.cc, cross-core.cc): pin the
// calling thread to one CPU, and a monotonic clock in seconds.
#pragma once
#include <pthread.h>

#include <chrono>

namespace probe {

inline void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace probe
