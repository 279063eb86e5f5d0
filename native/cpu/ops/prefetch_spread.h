// Prefetching spread over a kernel's tiles (x86): see PrefetchSpread.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/isa_target.h"

#if NG_X86
#include <immintrin.h>

namespace ng::cpu {

// The next image's operands, fetched into L2 a few lines per tile while this image computes
// (pump() before each tile). The direct kernels read a tile's input as one short run per input
// channel, too many streams for the hardware prefetcher: without this, every image's first touch
// of its planes waits on memory (the 32 -> 32 3x3 conv on 14x14 at batch 256: ~29 -> ~22 us per
// image, against ~18 with every operand in cache).
struct PrefetchSpread {
  const char* p = nullptr;
  int64_t lines = 0, per = 0, next = 0;
  PrefetchSpread() = default;
  PrefetchSpread(const float* base, int64_t floats, int64_t tiles)
      : p(reinterpret_cast<const char*>(base)),
        lines(base ? (floats * 4 + 63) / 64 : 0),
        per(tiles > 0 ? (lines + tiles - 1) / tiles : lines) {}
  void pump() {
    for (const int64_t e = std::min(lines, next + per); next < e; next++) _mm_prefetch(p + next * 64, _MM_HINT_T1);
  }
};

}  // namespace ng::cpu
#endif
