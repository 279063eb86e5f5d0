// CPU feature detection and the process-wide choice of instruction set for kernels.
//   detect_isa():  best ISA this CPU and OS support (AVX-512 needs F, VL, BW, DQ and the OS
//                  saving opmask/ZMM state; AVX2 needs FMA and the OS saving YMM state).
//   active_isa():  chosen once on first use: NODEGRAD_ISA=avx512|avx2|generic if set, else
//                  detect_isa(). Kernels dispatch through tables indexed by this value.
#pragma once

namespace ng {

enum class Isa { generic = 0, avx2 = 1, avx512 = 2 };

Isa detect_isa();
// Throws std::invalid_argument when NODEGRAD_ISA names an unknown ISA or one this CPU lacks.
Isa active_isa();
// For tests and setIsa(): throws std::invalid_argument if the CPU lacks `isa`.
void set_active_isa(Isa isa);
// The CPU and OS support AVX512_BF16 (and the rest of AVX-512, see detect_isa()), and the
// environment does not turn it off (NODEGRAD_BF16=0 hides it: tests and benchmarks of the fp32
// fallback on a bf16 machine). Cached after the first call.
bool detect_avx512_bf16();
// bf16 GEMMs can run now: detect_avx512_bf16() and the active ISA is avx512.
bool bf16_native();
// "avx512" | "avx2" | "generic"
const char* isa_name(Isa isa);
// Parses "avx512" | "avx2" | "generic"; returns false (and leaves *out alone) otherwise.
bool parse_isa(const char* s, Isa* out);

}  // namespace ng
