// Kernel-shape and block-size experiments for the AVX-512 path (not part of the addon).
//   variants <kernel> <MC> <KC> <NC> [shapes...]    shapes: MxNxK[:ta,tb]  (default squares)
// env: GOTO=1 (Goto loop order instead of A micro-panel in L1), NO_PARTIAL=1 (scratch-tile
// edges), SCALAR_PACK=1 (portable packing), OPENBLAS_CORETYPE=SkylakeX (the bar).
// Prints best-of and median GFLOP/s at 1 thread, OpenBLAS (as loaded) alongside.
#include <cblas.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu/gemm/gemm_kernels.h"
#include "cpu/gemm/microkernel_avx512.h"

extern "C" void openblas_set_num_threads(int);

namespace ng::cpu::gemm {
namespace {
#define K(MR, NV)                                                                             \
  void k_##MR##x##NV(int64_t kc, const float* a, const float* b, int64_t ldb, float* c,       \
                     int64_t ldc, int mr, int nr, float al, float be, const float* bi, int r) { \
    avx512_kernel<MR, NV>(kc, a, b, ldb, c, ldc, mr, nr, al, be, bi, r);                     \
  }
K(14, 2) K(12, 2) K(8, 3) K(6, 4) K(16, 1) K(28, 1) K(10, 2) K(7, 3) K(4, 4)
#undef K
}  // namespace
struct Named { const char* name; MicroKernel k; int MR, NR; PackA pa; PackB pb; };
#define P(MR, NR) avx512_pack_a<MR>, avx512_pack_b<NR>
const Named kKernels[] = {{"14x32", k_14x2, 14, 32, P(14, 32)}, {"12x32", k_12x2, 12, 32, P(12, 32)},
                          {"8x48", k_8x3, 8, 48, P(8, 48)},     {"6x64", k_6x4, 6, 64, P(6, 64)},
                          {"16x16", k_16x1, 16, 16, P(16, 16)}, {"28x16", k_28x1, 28, 16, P(28, 16)},
                          {"10x32", k_10x2, 10, 32, P(10, 32)}, {"7x48", k_7x3, 7, 48, P(7, 48)},
                          {"4x64", k_4x4, 4, 64, P(4, 64)}};
}  // namespace ng::cpu::gemm

using namespace ng::cpu::gemm;
// Thread CPU time: immune to being time-sliced with other processes on this shared machine.
#include <time.h>
static double now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc < 5) return 2;
  const Named* kn = nullptr;
  for (auto& k : kKernels) if (!std::strcmp(k.name, argv[1])) kn = &k;
  if (!kn) return 3;
  KernelTable t{kn->name, kn->k, kn->MR, kn->NR, atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
                getenv("GOTO") == nullptr, getenv("NO_PARTIAL") == nullptr,
                getenv("SCALAR_PACK") ? nullptr : kn->pa, getenv("SCALAR_PACK") ? nullptr : kn->pb};
  std::vector<std::string> shapes;
  for (int i = 5; i < argc; ++i) shapes.push_back(argv[i]);
  if (shapes.empty()) shapes = {"512x512x512", "1024x1024x1024", "2048x2048x2048"};
  openblas_set_num_threads(1);
  for (auto& s : shapes) {
    long long M, N, Kk; int ta = 0, tb = 0;
    std::sscanf(s.c_str(), "%lldx%lldx%lld:%d,%d", &M, &N, &Kk, &ta, &tb);
    const long long lda = ta ? M : Kk, ldb = tb ? Kk : N;
    std::vector<float> A(M * Kk), B(Kk * N), C(M * N);
    std::mt19937 rng(1); std::uniform_real_distribution<float> u(-1, 1);
    for (auto& x : A) x = u(rng); for (auto& x : B) x = u(rng);
    auto ng = [&] { sgemm_with(t, ta, tb, M, N, Kk, 1, A.data(), lda, B.data(), ldb, 0, C.data(), N, nullptr, 0, 1); };
    auto bl = [&] { cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, Kk, 1, A.data(), lda, B.data(), ldb, 0, C.data(), N); };
    ng(); bl();
    double t0 = now(); ng(); const double est = now() - t0;
    const int reps = std::max(1, (int)(0.05 / est));
    std::vector<double> a, b;
    for (int blk = 0; blk < 7; ++blk) {
      t0 = now(); for (int r = 0; r < reps; ++r) ng(); a.push_back((now() - t0) / reps);
      t0 = now(); for (int r = 0; r < reps; ++r) bl(); b.push_back((now() - t0) / reps);
    }
    std::sort(a.begin(), a.end()); std::sort(b.begin(), b.end());
    const double f = 2.0 * M * N * Kk / 1e9;
    std::printf("%s%-6s MC=%-4d KC=%-4d NC=%-5d %-22s ng best %6.1f med %6.1f | blas best %6.1f med %6.1f | ratio(best) %.3f\n",
                t.a_in_l1 ? "L1A " : "", kn->name, t.MC, t.KC, t.NC, s.c_str(), f / a[0], f / a[3], f / b[0], f / b[3], b[0] / a[0]);
  }
}
