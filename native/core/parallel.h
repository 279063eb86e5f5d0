// parallel_for: the one way native code spreads a loop over the OpenMP team.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__GNUC__)
#define NG_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define NG_ALWAYS_INLINE inline
#endif

namespace ng {

// ---- the end of a parallel region (MLP area, issue 16) -----------------------------------------
// With libgomp's passive wait policy (lib/native.ts) a thread that reaches the closing barrier
// of a region before the others sleeps on a futex, and waking it costs tens of microseconds on
// a VM, several times per training step. So the calling thread (thread 0), once its share is
// done, spins for at most kFinishSpinNs until every thread of the team has called
// finish_share(), and so usually arrives at the barrier last, where nobody sleeps. The other
// threads never spin (they may be preempted on a busy machine; the bound keeps the cost small).
#ifndef NG_FINISH_SPIN_NS
#define NG_FINISH_SPIN_NS 100000
#endif
constexpr int64_t kFinishSpinNs = NG_FINISH_SPIN_NS;

// Spins until `count` reaches `target` (acquire), at most `max_ns` nanoseconds.
inline void spin_until_count(const std::atomic<int>& count, int target, int64_t max_ns) {
  if (max_ns <= 0) return;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; count.load(std::memory_order_acquire) < target; ++i) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
    if (i % 64 == 0 &&
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count() > max_ns)
      return;
  }
}

// Called by every thread of a parallel region when its share of the work is done (see above).
inline void finish_share(std::atomic<int>& done) {
#ifdef _OPENMP
  done.fetch_add(1, std::memory_order_release);
  if (omp_get_thread_num() == 0) spin_until_count(done, omp_get_num_threads(), kFinishSpinNs);
#else
  (void)done;
#endif
}
// -----------------------------------------------------------------------------------------------

// Runs body(i) for i in [0, n): on the OpenMP team (static schedule) when `parallel`, else as a
// plain loop. Entering the OpenMP runtime costs 1-2 us even when an `if` clause makes the team
// one thread, too much for the small tensors of tiny networks, so small work never enters it.
// Loops written this way still auto-vectorize (the lambda is inlined into both loops).
template <class F>
NG_ALWAYS_INLINE void parallel_for(int64_t n, bool parallel, const F& body) {
  if (parallel) {
    std::atomic<int> done{0};
#pragma omp parallel
    {
      // Per-thread copy of the functor: with by-value captures its fields become registers,
      // so stores through the kernel's float pointers cannot alias them (keeps loops
      // vectorizable). Kernels pass [=] lambdas.
      const F f = body;
#pragma omp for schedule(static) nowait
      for (int64_t i = 0; i < n; i++) f(i);
      finish_share(done);
    }
  } else {
    for (int64_t i = 0; i < n; i++) body(i);
  }
}

}  // namespace ng
