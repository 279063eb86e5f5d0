#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/embedding.h"

#include <cstring>

#include "cpu/ops/common.h"

namespace ng::cpu {

void embedding_forward(float* out, const float* weight, const int32_t* idx, int64_t N, int64_t D) {
  // out: (N, D)  weight: (V, D)  idx: (N)
  parallel_for(N, N * D >= kParallelMin, [=](int64_t n) {
    std::memcpy(out + n * D, weight + static_cast<int64_t>(idx[n]) * D, static_cast<size_t>(D) * sizeof(float));
  });
}

void embedding_backward(float* dweight, const float* dout, const int32_t* idx, int64_t N, int64_t D,
                        int32_t padding_idx) {
  // dweight: (V, D)  dout: (N, D)  idx: (N)
  // Threads own column blocks of D; every thread walks all N rows in order -> no races, and
  // the summation order per element is the index order.
  constexpr int64_t kBlock = 64;
  const int64_t nblk = (D + kBlock - 1) / kBlock;
  parallel_for(nblk, N * D >= kParallelMin && nblk > 1, [=](int64_t blk) {
    const int64_t d0 = blk * kBlock, len = std::min(kBlock, D - d0);
    for (int64_t n = 0; n < N; n++) {
      if (idx[n] == padding_idx) continue;
      float* dw = dweight + static_cast<int64_t>(idx[n]) * D + d0;
      const float* g = dout + n * D + d0;
      for (int64_t i = 0; i < len; i++) dw[i] += g[i];
    }
  });
}

}  // namespace ng::cpu
