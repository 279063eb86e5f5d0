// CPUID/XGETBV based detection (no dependence on compiler builtins' OS checks), plus the
// atomically stored active choice.
#include "core/cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "core/isa_target.h"
#if NG_X86
#include <cpuid.h>
#endif

namespace ng {
namespace {

#if NG_X86
unsigned long long read_xcr0() {
  unsigned int lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<unsigned long long>(hi) << 32) | lo;
}
#endif

Isa detect_uncached() {
#if NG_X86
  unsigned int a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return Isa::generic;
  __cpuid_count(1, 0, a, b, c, d);
  const bool osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
  if (!osxsave || !avx) return Isa::generic;
  const unsigned long long xcr0 = read_xcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;            // SSE + AVX state
  const bool os_zmm = (xcr0 & 0xe6) == 0xe6;          // + opmask, ZMM_Hi256, Hi16_ZMM
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = (b >> 5) & 1;
  const bool f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
  if (os_zmm && avx2 && fma && f && dq && bw && vl) return Isa::avx512;
  if (os_ymm && avx2 && fma) return Isa::avx2;
#endif
  return Isa::generic;
}

bool detect_bf16_uncached() {
#if NG_X86
  if (detect_uncached() != Isa::avx512) return false;
  unsigned int a = 0, b = 0, c = 0, d = 0;
  __cpuid_count(7, 0, a, b, c, d);
  if (a < 1) return false;  // no sub-leaf 1
  __cpuid_count(7, 1, a, b, c, d);
  if (((a >> 5) & 1) == 0) return false;  // CPUID.(EAX=7,ECX=1):EAX[5] = AVX512_BF16
  const char* env = std::getenv("NODEGRAD_BF16");
  return !(env != nullptr && std::strcmp(env, "0") == 0);
#else
  return false;
#endif
}

std::atomic<int> g_active{-1};

}  // namespace

Isa detect_isa() {
  static const Isa best = detect_uncached();
  return best;
}

bool detect_avx512_bf16() {
  static const bool has = detect_bf16_uncached();
  return has;
}

bool bf16_native() {
  if (!detect_avx512_bf16()) return false;
  try {
    return active_isa() == Isa::avx512;
  } catch (...) {  // a bad NODEGRAD_ISA: module load reports it
    return false;
  }
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "generic";
  }
}

bool parse_isa(const char* s, Isa* out) {
  if (s == nullptr) return false;
  if (std::strcmp(s, "avx512") == 0) { *out = Isa::avx512; return true; }
  if (std::strcmp(s, "avx2") == 0) { *out = Isa::avx2; return true; }
  if (std::strcmp(s, "generic") == 0) { *out = Isa::generic; return true; }
  return false;
}

void set_active_isa(Isa isa) {
  if (static_cast<int>(isa) > static_cast<int>(detect_isa()))
    throw std::invalid_argument(std::string("Expected an ISA this CPU supports (best: ") +
                                isa_name(detect_isa()) + ") for isa but received \"" + isa_name(isa) + "\"");
  g_active.store(static_cast<int>(isa), std::memory_order_release);
}

Isa active_isa() {
  const int v = g_active.load(std::memory_order_acquire);
  if (v >= 0) return static_cast<Isa>(v);
  Isa isa = detect_isa();
  const char* env = std::getenv("NODEGRAD_ISA");
  if (env != nullptr && env[0] != '\0') {
    if (!parse_isa(env, &isa))
      throw std::invalid_argument(std::string("Expected one of avx512, avx2, generic for NODEGRAD_ISA but received \"") +
                                  env + "\"");
    if (static_cast<int>(isa) > static_cast<int>(detect_isa()))
      throw std::invalid_argument(std::string("Expected an ISA this CPU supports (best: ") +
                                  isa_name(detect_isa()) + ") for NODEGRAD_ISA but received \"" +
                                  env + "\"");
    g_active.store(static_cast<int>(isa), std::memory_order_release);
    return isa;
  }
  int expect = -1;
  g_active.compare_exchange_strong(expect, static_cast<int>(isa), std::memory_order_acq_rel);
  return static_cast<Isa>(g_active.load(std::memory_order_acquire));
}

}  // namespace ng
