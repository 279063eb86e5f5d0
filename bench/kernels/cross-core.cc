// How fast one core reads data that the other core has just written, against data it wrote
// itself: CPU 0 writes a buffer, then CPU 0 or CPU 1 reads one float per cache line of it. Where
// the two differ a lot, a pass that reads another thread's output (a GEMM's C split across
// threads, gradients written by one thread and read by the optimizer on another) pays for it.
//   g++ -std=c++17 -O2 -pthread bench/kernels/cross-core.cc -o /tmp/cross_core
//   /tmp/cross_core BYTES READER     (READER: 0 = the writing CPU, 1 = the other one)
// Measured 2026-12-07 on the 2-core Zen 5 VM (best-of-200 average, GB/s of lines read):
//   256 KB: same core 92.7, other core 27.7;  1 MB: 85.0 vs 28.1;  4 MB: 73.8 vs 35.2
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "pinned-threads.h"

int main(int argc, char** argv) {
  const size_t bytes = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : (1u << 20);
  const int reader = argc > 2 ? std::atoi(argv[2]) : 1;
  const size_t n = bytes / sizeof(float);
  const int rounds = 200;
  std::vector<float> buf(n, 0.0f);
  std::atomic<int> phase{0};
  double total = 0.0;
  volatile float sink = 0.0f;
  // One float per 64-byte line: the time is the lines' transfer, not the adds.
  auto read_lines = [&] {
    const double t0 = probe::now_s();
    float s = 0.0f;
    for (size_t i = 0; i < n; i += 16) s += buf[i];
    sink = s;
    total += probe::now_s() - t0;
  };
  std::thread other([&] {
    probe::pin(1);
    for (int r = 0; r < rounds; r++) {
      while (phase.load() != 2 * r + 1) {
      }
      if (reader == 1) read_lines();
      phase.store(2 * r + 2);
    }
  });
  probe::pin(0);
  for (int r = 0; r < rounds; r++) {
    for (size_t i = 0; i < n; i++) buf[i] = static_cast<float>(r + i);
    phase.store(2 * r + 1);
    if (reader == 0) read_lines();
    while (phase.load() != 2 * r + 2) {
    }
  }
  other.join();
  const double per = total / rounds;
  std::printf("%zu KB written by CPU 0, read by CPU %d: %.1f us per read (%.1f GB/s)\n", bytes / 1024, reader, per * 1e6,
              static_cast<double>(bytes) / per / 1e9);
  return sink == 12345.0f ? 1 : 0;
}
