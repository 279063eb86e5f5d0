// Per-ISA builds of a vectorizable loop without intrinsics: the same loop body (a lambda) is
// compiled three times, inside functions marked target("avx512...") / target("avx2,fma") /
// baseline, and the copy for ng::active_isa() runs. The lambda and the inline math it calls
// (exp_fast, ...) are inlined into each target function, so gcc auto-vectorizes them with that
// ISA's registers (16 floats / 8 floats / 4 floats). Used only where it matters: exp-heavy loops
// (softmax, sigmoid, silu, exp). The OpenMP pragma lives in the target function, so its
// outlined body inherits the target.
//
//   run_isa(n, cost, [&](int64_t i0, int64_t i1) NG_INLINE_LAMBDA { for i in [i0, i1) ... });
//
// Small work (n * cost < kParallelMin) runs as one call f(0, n) without entering OpenMP; larger
// work is split into fixed chunks run on the OpenMP team. Bodies must give the same result for
// any split (they do: items are independent).
#pragma once
#include <atomic>
#include <cstdint>

#include "core/cpu_features.h"
#include "core/isa_target.h"
#include "cpu/ops/common.h"

#if defined(__GNUC__) && !defined(__clang__)
#define NG_INLINE_LAMBDA __attribute__((always_inline))
#else
#define NG_INLINE_LAMBDA
#endif

namespace ng::cpu {

namespace isa_detail {

inline int64_t chunk_of(int64_t cost) { return std::max<int64_t>(1, 4096 / std::max<int64_t>(cost, 1)); }

#define NG_ISA_RUNNER(NAME, ATTR)                                           \
  template <class F>                                                        \
  ATTR void NAME(int64_t n, int64_t cost, const F& f) {                     \
    if (n * cost < kParallelMin) {                                          \
      f(0, n);                                                              \
      return;                                                               \
    }                                                                       \
    const int64_t chunk = chunk_of(cost);                                   \
    const int64_t nchunks = (n + chunk - 1) / chunk;                        \
    std::atomic<int> done{0};                                               \
    _Pragma("omp parallel")                                                 \
    {                                                                       \
      _Pragma("omp for schedule(static) nowait")                            \
      for (int64_t c = 0; c < nchunks; c++) {                               \
        const int64_t i0 = c * chunk;                                       \
        f(i0, std::min(n, i0 + chunk));                                     \
      }                                                                     \
      finish_share(done); /* core/parallel.h */                             \
    }                                                                       \
  }
NG_ISA_RUNNER(run_generic, )
NG_ISA_RUNNER(run_avx2, NG_TARGET_AVX2)
NG_ISA_RUNNER(run_avx512, NG_TARGET_AVX512)
#undef NG_ISA_RUNNER

// active_isa() without exceptions (it throws only for a bad NODEGRAD_ISA, which module load
// reports first); kernels never throw.
inline Isa isa_or_generic() noexcept {
  try {
    return active_isa();
  } catch (...) {
    return Isa::generic;
  }
}

}  // namespace isa_detail

template <class F>
void run_isa(int64_t n, int64_t cost, const F& f) {
#if defined(__GNUC__) && !defined(__clang__) && NG_X86
  switch (isa_detail::isa_or_generic()) {
    case Isa::avx512: isa_detail::run_avx512(n, cost, f); return;
    case Isa::avx2: isa_detail::run_avx2(n, cost, f); return;
    default: break;
  }
#endif
  isa_detail::run_generic(n, cost, f);
}

}  // namespace ng::cpu
