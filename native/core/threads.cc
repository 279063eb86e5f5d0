#include "core/threads.h"

#include <thread>

#ifdef _OPENMP
#include <omp.h>
#endif
#include "core/isa_target.h"
#if NG_X86
#include <xmmintrin.h>
#endif

namespace ng {

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
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
  flush_denormals_all_threads();
}

namespace {
void flush_denormals_here() {
#if NG_X86
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

bool openmp_enabled() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

}  // namespace ng
