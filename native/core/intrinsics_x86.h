// The intrinsics of the AVX-512 kernels in cpu/ops (immintrin.h where NG_X86), with GCC 12's
// -Wmaybe-uninitialized / -Wuninitialized about _mm512_undefined_ps() (inside _mm512_max_ps,
// _mm512_reduce_add_ps and the shuffles) silenced for the rest of the including file: the warning
// is spurious. (The GEMM micro-kernels scope the same pragmas with push / pop.) Also lanes16()
// (core/lane_mask.h), the mask of a row's tail.
#pragma once
#include "core/isa_target.h"

#if NG_X86
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#endif

#if NG_X86
#include "core/lane_mask.h"
#endif
