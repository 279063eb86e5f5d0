// The GEMMs of one MLP training step (784-512-256-10, batch B), as nodegrad's linear layer
// calls them, timed one by one next to OpenBLAS: thread CPU time, best of 7 blocks, 1 thread.
//   mlp-shapes [B ...]        (default 32 128 512)
// COLD=1: operands evicted (a 64 MiB buffer written) before every call, as in a training step
// where the weights come back from L3 / memory after the optimizer pass; each call timed alone.
// Build (repository root):
//   g++ -std=c++17 -O3 -march=x86-64-v2 -fopenmp -Inative -I/usr/include/x86_64-linux-gnu/openblas-pthread \
//     bench/kernels/mlp-shapes.cc native/cpu/gemm/*.cc native/core/cpu_features.cc -o /tmp/mlp_shapes -lopenblas
#include <cblas.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "cpu/gemm/gemm.h"
#include "mlp-gemms.h"

extern "C" void openblas_set_num_threads(int);

static double now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char** argv) {
  std::vector<long> batches;
  for (int i = 1; i < argc; ++i) batches.push_back(std::atol(argv[i]));
  if (batches.empty()) batches = {32, 128, 512};
  openblas_set_num_threads(1);
  for (long B : batches) {
    const std::vector<Shape> shapes = mlp_gemms(B);
    double tot_ng = 0, tot_bl = 0;
    for (const Shape& s : shapes) {
      Operands o(s);
      const long lda = o.lda, ldb = o.ldb;
      std::vector<float>&A = o.A, &Bm = o.Bm, &C = o.C;
      auto ng = [&] { ng::cpu::sgemm(s.ta, s.tb, s.M, s.N, s.K, 1, A.data(), lda, Bm.data(), ldb, 1, C.data(), s.N); };
      auto bl = [&] {
        cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans, s.M, s.N,
                    s.K, 1, A.data(), lda, Bm.data(), ldb, 1, C.data(), s.N);
      };
      ng();
      bl();
      if (std::getenv("COLD")) {
        static std::vector<char> junk(64 << 20);
        auto cold = [&](auto f) {
          double best = 1e9;
          for (int r = 0; r < 15; ++r) {
            for (size_t i = 0; i < junk.size(); i += 64) junk[i] += 1;
            const double t = now();
            f();
            best = std::min(best, now() - t);
          }
          return best;
        };
        const double a = cold(ng), b = cold(bl), f = 2.0 * s.M * s.N * s.K / 1e9;
        tot_ng += a;
        tot_bl += b;
        std::printf("B=%-4ld %-18s %4ldx%-4ldx%-4ld  cold: ng %7.1f us %6.1f GF/s | blas %7.1f us %6.1f GF/s | blas/ng %.2f\n",
                    B, s.what, s.M, s.N, s.K, a * 1e6, f / a, b * 1e6, f / b, b / a);
        continue;
      }
      double t0 = now();
      ng();
      const int reps = std::max(1, static_cast<int>(0.02 / std::max(now() - t0, 1e-7)));
      double a = 1e9, b = 1e9;
      for (int blk = 0; blk < 7; ++blk) {
        t0 = now();
        for (int r = 0; r < reps; ++r) ng();
        a = std::min(a, (now() - t0) / reps);
        t0 = now();
        for (int r = 0; r < reps; ++r) bl();
        b = std::min(b, (now() - t0) / reps);
      }
      const double f = 2.0 * s.M * s.N * s.K / 1e9;
      tot_ng += a;
      tot_bl += b;
      std::printf("B=%-4ld %-18s %4ldx%-4ldx%-4ld  ng %7.1f us %6.1f GF/s | blas %7.1f us %6.1f GF/s | blas/ng %.2f\n", B,
                  s.what, s.M, s.N, s.K, a * 1e6, f / a, b * 1e6, f / b, b / a);
    }
    std::printf("B=%-4ld all GEMMs: ng %.1f us, blas %.1f us\n", B, tot_ng * 1e6, tot_bl * 1e6);
  }
}
