#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/embedding.h"

#include <algorithm>
#include <cstring>

#include "cpu/ops/common.h"

namespace ng::cpu {

void copy_rows(void* out, const void* src, const int32_t* idx, int64_t N, int64_t row_bytes) {
  // The rows of a shuffled batch lie anywhere in a data set far larger than the caches, and one
  // row (3 KB for an MNIST image) is too short for the hardware prefetcher to get ahead: each
  // row's lines are requested kAhead rows before its copy (a DataLoader batch of 128 MNIST rows
  // out of 8,192: 36-41 -> 29-30 us, A/B in one process).
  constexpr int64_t kAhead = 4;
  char* o = static_cast<char*>(out);
  const char* s = static_cast<const char*>(src);
  parallel_for(N, N * row_bytes >= kParallelMin * 4, [=](int64_t n) {
    if (n + kAhead < N) {
      const char* ahead = s + static_cast<int64_t>(idx[n + kAhead]) * row_bytes;
      for (int64_t b = 0; b < row_bytes; b += 64) __builtin_prefetch(ahead + b, 0, 3);
    }
    std::memcpy(o + n * row_bytes, s + static_cast<int64_t>(idx[n]) * row_bytes, static_cast<size_t>(row_bytes));
  });
}

void embedding_forward(float* out, const float* weight, const int32_t* idx, int64_t N, int64_t D) {
  // out: (N, D)  weight: (V, D)  idx: (N)
  copy_rows(out, weight, idx, N, D * static_cast<int64_t>(sizeof(float)));
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

// ---- text (issue 14): EmbeddingBag --------------------------------------------------------

namespace {
// Bag b holds indices [offsets[b], end): the next bag's start, or nidx for the last bag.
inline int64_t bag_end(const int32_t* offsets, int64_t b, const ops::BagGeom& g) {
  return b + 1 < g.B ? offsets[b + 1] : g.nidx;
}
}  // namespace

void embedding_bag_forward(float* out, int32_t* max_idx, const float* w, const int32_t* idx, const int32_t* offsets,
                           const float* psw, const ops::BagGeom& g) {
  const ops::BagGeom geo = g;
  const int64_t D = geo.D;
  parallel_for(geo.B, (geo.nidx + geo.B) * D >= kParallelMin, [=](int64_t b) {
    float* o = out + b * D;
    std::fill(o, o + D, 0.0f);
    int32_t* mi = geo.mode == ops::BagMode::max ? max_idx + b * D : nullptr;
    if (mi) std::fill(mi, mi + D, -1);
    int64_t kept = 0;
    for (int64_t k = offsets[b], end = bag_end(offsets, b, geo); k < end; k++) {
      const int32_t r = idx[k];
      if (r == geo.padding_idx) continue;
      const float* row = w + static_cast<int64_t>(r) * D;
      if (mi) {
        for (int64_t d = 0; d < D; d++) {
          if (mi[d] < 0 || row[d] > o[d]) { o[d] = row[d]; mi[d] = r; }
        }
      } else {
        const float s = psw ? psw[k] : 1.0f;
        for (int64_t d = 0; d < D; d++) o[d] += s * row[d];
      }
      kept++;
    }
    if (geo.mode == ops::BagMode::mean && kept > 0) {
      const float inv = 1.0f / static_cast<float>(kept);
      for (int64_t d = 0; d < D; d++) o[d] *= inv;
    }
  });
}

void embedding_bag_backward(float* dw, float* dpsw, const float* dout, const float* w, const int32_t* idx,
                            const int32_t* offsets, const float* psw, const int32_t* max_idx, const ops::BagGeom& g) {
  const ops::BagGeom geo = g;
  const int64_t D = geo.D;
  if (dpsw) {
    // d per_sample_weights[k] = <weight[idx[k]], dout[bag of k]> (sum mode); padding gets none.
    parallel_for(geo.B, geo.nidx * D >= kParallelMin, [=](int64_t b) {
      const float* gb = dout + b * D;
      for (int64_t k = offsets[b], end = bag_end(offsets, b, geo); k < end; k++) {
        const int32_t r = idx[k];
        if (r == geo.padding_idx) continue;
        const float* row = w + static_cast<int64_t>(r) * D;
        float acc = 0.0f;
        for (int64_t d = 0; d < D; d++) acc += row[d] * gb[d];
        dpsw[k] += acc;
      }
    });
  }
  if (!dw) return;
  constexpr int64_t kBlock = 64;
  const int64_t nblk = (D + kBlock - 1) / kBlock;
  parallel_for(nblk, (geo.nidx + geo.B) * D >= kParallelMin && nblk > 1, [=](int64_t blk) {
    const int64_t d0 = blk * kBlock, len = std::min(kBlock, D - d0);
    for (int64_t b = 0; b < geo.B; b++) {
      const float* gb = dout + b * D + d0;
      if (geo.mode == ops::BagMode::max) {
        const int32_t* mi = max_idx + b * D + d0;
        for (int64_t i = 0; i < len; i++) {
          if (mi[i] >= 0) dw[static_cast<int64_t>(mi[i]) * D + d0 + i] += gb[i];
        }
        continue;
      }
      float scale = 1.0f;
      if (geo.mode == ops::BagMode::mean) {
        int64_t kept = 0;
        for (int64_t k = offsets[b], end = bag_end(offsets, b, geo); k < end; k++) kept += idx[k] != geo.padding_idx;
        if (kept == 0) continue;
        scale = 1.0f / static_cast<float>(kept);
      }
      for (int64_t k = offsets[b], end = bag_end(offsets, b, geo); k < end; k++) {
        const int32_t r = idx[k];
        if (r == geo.padding_idx) continue;
        const float s = psw ? psw[k] * scale : scale;
        float* dst = dw + static_cast<int64_t>(r) * D + d0;
        for (int64_t i = 0; i < len; i++) dst[i] += s * gb[i];
      }
    }
  });
}

}  // namespace ng::cpu
