// lanes16(n): the mask of the first n of 16 float lanes (none for n <= 0, all 16 for n >= 16),
// a row's tail in masked AVX-512 loads and stores. The one helper of the GEMM packing routines
// and the cpu/ops kernels. x86 only: include it under #if NG_X86 (core/isa_target.h).
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "core/isa_target.h"

NG_TARGET_AVX512 inline __mmask16 lanes16(int64_t n) {
  return static_cast<__mmask16>(n >= 16 ? 0xffffu : n <= 0 ? 0u : (1u << n) - 1u);
}
