// Micro-kernel alone, operands in L1 (kc = 128): GFLOP/s of each kernel shape next to the
// FMA probe, interleaved, thread CPU time. Shows the kernel's ceiling without memory effects.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "cpu/gemm/gemm_kernels.h"
#include "cpu/gemm/microkernel_avx512.h"

namespace ng::cpu::gemm {
namespace {
#define K(MR, NV)                                                                             \
  void k_##MR##x##NV(int64_t kc, const float* a, const float* b, int64_t ldb, float* c,       \
                     int64_t ldc, int mr, int nr, float al, float be, const float* bi, int r) { \
    avx512_kernel<MR, NV>(kc, a, b, ldb, c, ldc, mr, nr, al, be, bi, r);                     \
  }
K(14, 2) K(12, 2) K(8, 3) K(6, 4) K(28, 1) K(7, 3)
#undef K
NG_TARGET_AVX512 float probe(int64_t iters) {
  __m512 acc[24];
  for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps(i * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it)
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 s = acc[0];
  for (int i = 1; i < 24; ++i) s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}
}  // namespace
}  // namespace ng::cpu::gemm
using namespace ng::cpu::gemm;
static double now() { timespec ts; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return ts.tv_sec + 1e-9 * ts.tv_nsec; }
int main() {
  struct { const char* n; MicroKernel k; int MR, NR; } ks[] = {{"14x32", k_14x2, 14, 32}, {"12x32", k_12x2, 12, 32},
      {"8x48", k_8x3, 8, 48}, {"6x64", k_6x4, 6, 64}, {"28x16", k_28x1, 28, 16}, {"7x48", k_7x3, 7, 48}};
  const int kc = 128;
  alignas(64) static float A[32 * 512], B[64 * 512], C[32 * 64];
  for (auto& x : A) x = 0.001f; for (auto& x : B) x = 0.001f;
  volatile float sink = 0;
  for (int round = 0; round < 3; ++round) {
    double t0 = now(); sink = sink + probe(2000000); double tp = now() - t0;
    std::printf("probe %.1f GFLOP/s |", 24.0 * 32 * 2000000 / tp / 1e9);
    for (auto& k : ks) {
      const int reps = 200000;
      t0 = now();
      for (int r = 0; r < reps; ++r) k.k(kc, A, B, k.NR, C, k.NR, k.MR, k.NR, 1.0f, 1.0f, nullptr, 0);
      std::printf(" %s %.1f", k.n, 2.0 * k.MR * k.NR * kc * reps / (now() - t0) / 1e9);
    }
    std::printf("\n");
  }
}
