// Two threads (pinned to CPUs 0 and 1), each computing one half of C = A B^T (512 x 512, K 784,
// the MLP's first layer at batch 512) with a 1-thread sgemm, at the same time: split by columns
// (each thread all rows, half the columns) or by rows, into one shared C or into separate C
// matrices. Prints each thread's best time of 200 rounds; one thread alone on half the problem
// takes what a row split takes here (~1,000 us on the 2-core Zen 5 VM).
//   g++ -std=c++17 -O3 -march=x86-64-v2 -fopenmp -pthread -Inative bench/kernels/column-strips.cc \
//     native/cpu/gemm/*.cc native/core/cpu_features.cc -o /tmp/column_strips
//   OMP_NUM_THREADS=1 /tmp/column_strips cols shared   (cols | rows, shared | separate)
// Measured 2026-12-07 (2-core AMD EPYC Zen 5 VM), best per thread (thread 0 / thread 1) in us,
// 4 runs of each in two sittings:
//   cols, shared C    1,055-1,102 / 1,186-1,254   (the slowest: the halves of every row of C)
//   cols, separate C    994-1,052 / 1,063-1,110
//   rows, shared C      985-1,067 / 1,066-1,130
//   rows, separate C    988-1,068 / 1,069-1,144
// An earlier sitting, with the same code as a scratch program: cols shared 1,011-1,048 /
// 1,151-1,192, rows shared 1,005-1,036 / 1,002-1,014, one thread alone on a half 974-999.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "cpu/gemm/gemm.h"
#include "pinned-threads.h"

int main(int argc, char** argv) {
  const bool rows = argc > 1 && std::strcmp(argv[1], "rows") == 0;
  const bool shared = !(argc > 2 && std::strcmp(argv[2], "separate") == 0);
  const long M = 512, N = 512, K = 784, H = 256;
  const int rounds = 200;
  std::vector<float> A(M * K), B(N * K), C0(M * N), C1(M * N);
  unsigned s = 1;
  for (auto* v : {&A, &B})
    for (float& x : *v) x = static_cast<float>((s = s * 1103515245u + 12345u) >> 8) / 16777216.0f - 0.5f;
  std::atomic<int> released{0}, finished{0};
  double best[2] = {1e30, 1e30};
  // Thread t's half: rows [t H, t H + H) with all columns, or columns [t H, t H + H) with all rows.
  auto half = [&](int t) {
    float* C = shared || t == 0 ? C0.data() : C1.data();
    const double t0 = probe::now_s() * 1e6;
    if (rows) ng::cpu::sgemm(false, true, H, N, K, 1.0f, A.data() + t * H * K, K, B.data(), K, 0.0f, C + t * H * N, N);
    else ng::cpu::sgemm(false, true, M, H, K, 1.0f, A.data(), K, B.data() + t * H * K, K, 0.0f, C + t * H, N);
    best[t] = std::min(best[t], probe::now_s() * 1e6 - t0);
  };
  std::thread other([&] {
    probe::pin(1);
    for (int r = 0; r < rounds; r++) {
      while (released.load() <= r) {
      }
      half(1);
      finished.fetch_add(1);
    }
  });
  probe::pin(0);
  for (int r = 0; r < rounds; r++) {
    released.store(r + 1);
    half(0);
    finished.fetch_add(1);
    while (finished.load() < 2 * (r + 1)) {
    }
  }
  other.join();
  std::printf("%s, %s C: thread 0 %.1f us, thread 1 %.1f us\n", rows ? "rows" : "cols", shared ? "shared" : "separate",
              best[0], best[1]);
}
