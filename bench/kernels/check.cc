// Quick C++ correctness sweep of every kernel table against sgemm_ref (development aid;
// the real tests are test/native/gemm.test.ts). Build: see bench/kernels/README.md.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "cpu/gemm/gemm.h"
#include "cpu/gemm/gemm_kernels.h"

using namespace ng::cpu;

int main() {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  gemm::KernelTable l1a = gemm::kTableAvx512, scalar = gemm::kTableAvx512;
  l1a.a_in_l1 = !l1a.a_in_l1;
  l1a.name = "avx512-other-order";
  scalar.pack_a = nullptr;
  scalar.pack_b = nullptr;
  scalar.partial_tiles = false;
  scalar.name = "avx512-portable-packing-scratch-edges";
  const gemm::KernelTable* tabs[] = {&gemm::kTableGeneric, &gemm::kTableAvx2, &gemm::kTableAvx512, &l1a, &scalar};
  const int sizes[] = {0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 65, 127, 257, 300};
  int bad = 0, runs = 0;
  for (auto* t : tabs)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (int M : sizes)
          for (int N : {1, 17, 33, 65, 300})
            for (int K : {0, 1, 7, 300, 513}) {
              const float alpha = (M % 3 == 0) ? -0.5f : 1.0f, beta = (N % 2) ? 0.0f : -0.5f;
              const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 5;
              std::vector<float> A((ta ? K : M) * lda + 1), B((tb ? N : K) * ldb + 1), C(M * ldc + 1), bias(N);
              for (auto& x : A) x = u(rng);
              for (auto& x : B) x = u(rng);
              for (auto& x : C) x = beta == 0 ? NAN : u(rng);
              for (auto& x : bias) x = u(rng);
              std::vector<float> R = C;
              GemmEpilogue ep{bias.data(), (K % 2) ? Act::relu : Act::none};
              gemm::sgemm_with(*t, ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc,
                               ep.bias, ep.act == Act::relu, (M * N) % 2 ? 2 : 1);
              sgemm_ref(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, R.data(), ldc, &ep);
              ++runs;
              double err = 0;
              for (int i = 0; i < M; ++i)
                for (int j = 0; j < N; ++j) {
                  const double d = std::fabs(C[i * ldc + j] - R[i * ldc + j]);
                  if (!(d <= 1e-5 * (K + 4))) err = INFINITY; else err = std::max(err, d);
                }
              if (!(err <= 1e-5 * (K + 4))) {
                if (bad++ < 10) std::printf("BAD %s ta=%d tb=%d M=%d N=%d K=%d err=%g\n", t->name, ta, tb, M, N, K, err);
              }
            }
  std::printf("%d runs, %d bad\n", runs, bad);
  return bad != 0;
}
