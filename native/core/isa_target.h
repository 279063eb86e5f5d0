// Per-ISA code on x86: the target attributes, defined once (used by the GEMM micro-kernels and
// by the per-ISA loop runners in cpu/ops/isa_dispatch.h). NG_X86 is 1 where they apply; on
// other CPUs (aarch64, ...) the attributes are empty, no intrinsics header is included and
// only the portable (generic) kernels are built.
#pragma once

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define NG_X86 1
#define NG_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define NG_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
// AVX-512 plus AVX512_BF16 (vcvtne2ps2bf16, vdpbf16ps): the bf16 GEMM only (gemm_avx512bf16.cc).
#define NG_TARGET_AVX512_BF16 \
  __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512bf16,avx2,fma")))
#else
#define NG_X86 0
#define NG_TARGET_AVX2
#define NG_TARGET_AVX512
#define NG_TARGET_AVX512_BF16
#endif
