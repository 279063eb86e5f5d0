#include "core/threads.h"

#include <atomic>
#include <thread>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace ng {

namespace {
std::atomic<int> g_default_threads{0};
}

int hardware_threads() {
#ifdef _OPENMP
  return omp_get_num_procs();
#else
  unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
#endif
}

int get_num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

void set_num_threads(int n) {
  if (n < 1) n = 1;
  g_default_threads = n;
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
  flush_denormals_all_threads();
}

namespace {
void flush_denormals_here() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ (bit 15) | DAZ (bit 6)
#endif
}
}  // namespace

void flush_denormals_all_threads() {
  flush_denormals_here();
#ifdef _OPENMP
#pragma omp parallel
  flush_denormals_here();
#endif
}

void apply_num_threads() {
  int n = g_default_threads.load();
#ifdef _OPENMP
  if (n > 0 && omp_get_max_threads() != n) omp_set_num_threads(n);
#else
  (void)n;
#endif
}

bool openmp_enabled() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

}  // namespace ng
