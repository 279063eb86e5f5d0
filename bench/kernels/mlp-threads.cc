// The GEMMs of one MLP training step (784-512-256-10, batch B) as the linear layer calls them,
// at the OpenMP thread count (OMP_NUM_THREADS): process CPU time (all threads) and wall time
// per call, best of 9 blocks. Built twice with different -D knobs and run alternately, it
// compares parallel strategies by the CPU time they spend (duplicated packing, waiting),
// which a shared machine disturbs less than wall time.
//   g++ -std=c++17 -O3 -march=x86-64-v2 -fopenmp -Inative -DNG_GEMM_TASKS_PER_THREAD=1 \
//     bench/kernels/mlp-threads.cc native/cpu/gemm/*.cc native/core/cpu_features.cc -o /tmp/mlp_threads1
//   OMP_NUM_THREADS=2 OMP_WAIT_POLICY=passive /tmp/mlp_threads1 512
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "cpu/gemm/gemm.h"
#include "mlp-gemms.h"

static double clock_s(clockid_t c) {
  timespec ts;
  clock_gettime(c, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char** argv) {
  const long B = argc > 1 ? std::atol(argv[1]) : 512;
  const std::vector<Shape> shapes = mlp_gemms(B);
  double tot_cpu = 0, tot_wall = 0;
  for (const Shape& s : shapes) {
    Operands o(s);
    const long lda = o.lda, ldb = o.ldb;
    std::vector<float>&A = o.A, &Bm = o.Bm, &C = o.C;
    auto ng = [&] { ng::cpu::sgemm(s.ta, s.tb, s.M, s.N, s.K, 1, A.data(), lda, Bm.data(), ldb, 1, C.data(), s.N); };
    ng();
    double t0 = clock_s(CLOCK_MONOTONIC);
    ng();
    const int reps = std::max(1, static_cast<int>(0.02 / std::max(clock_s(CLOCK_MONOTONIC) - t0, 1e-7)));
    double cpu = 1e9, wall = 1e9;
    for (int blk = 0; blk < 9; ++blk) {
      const double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
      for (int r = 0; r < reps; ++r) ng();
      cpu = std::min(cpu, (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0) / reps);
      wall = std::min(wall, (clock_s(CLOCK_MONOTONIC) - w0) / reps);
    }
    tot_cpu += cpu;
    tot_wall += wall;
    std::printf("B=%-4ld %-18s %4ldx%-4ldx%-4ld  cpu %7.1f us  wall %7.1f us\n", B, s.what, s.M, s.N, s.K, cpu * 1e6,
                wall * 1e6);
  }
  std::printf("B=%-4ld all GEMMs: cpu %.1f us, wall %.1f us\n", B, tot_cpu * 1e6, tot_wall * 1e6);
}
