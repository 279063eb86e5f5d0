// parallel_for: the one way native code spreads a loop over the OpenMP team.
#pragma once
#include <cstdint>

#if defined(__GNUC__)
#define NG_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define NG_ALWAYS_INLINE inline
#endif

namespace ng {

// Runs body(i) for i in [0, n): on the OpenMP team (static schedule) when `parallel`, else as a
// plain loop. Entering the OpenMP runtime costs 1-2 us even when an `if` clause makes the team
// one thread, too much for the small tensors of tiny networks, so small work never enters it.
// Loops written this way still auto-vectorize (the lambda is inlined into both loops).
template <class F>
NG_ALWAYS_INLINE void parallel_for(int64_t n, bool parallel, const F& body) {
  if (parallel) {
#pragma omp parallel
    {
      // Per-thread copy of the functor: with by-value captures its fields become registers,
      // so stores through the kernel's float pointers cannot alias them (keeps loops
      // vectorizable). Kernels pass [=] lambdas.
      const F f = body;
#pragma omp for schedule(static)
      for (int64_t i = 0; i < n; i++) f(i);
    }
  } else {
    for (int64_t i = 0; i < n; i++) body(i);
  }
}

}  // namespace ng
