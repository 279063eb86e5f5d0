#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/gather.h"

#include <cstring>

#include "cpu/ops/common.h"
#include "cpu/ops/embedding.h"

namespace ng::cpu {

void gather_rows_f32(float* out, const float* src, const int32_t* idx, int64_t nidx, int64_t D) {
  // out: (nidx, D)  src: (N, D)  idx: (nidx)
  embedding_forward(out, src, idx, nidx, D);
}

void gather_rows_i32(int32_t* out, const int32_t* src, const int32_t* idx, int64_t nidx, int64_t D) {
  // out: (nidx, D)  src: (N, D)  idx: (nidx)
  copy_rows(out, src, idx, nidx, D * static_cast<int64_t>(sizeof(int32_t)));
}

void scatter_add_rows(float* dsrc, const float* dout, const int32_t* idx, int64_t nidx, int64_t D) {
  embedding_backward(dsrc, dout, idx, nidx, D, -1);
}

void concat_forward(float* out, const float* const* inputs, const int64_t* dims, int64_t k,
                    int64_t outer, int64_t inner) {
  // out: (outer, total, inner)  inputs[j]: (outer, dims[j], inner)
  int64_t total = 0;
  for (int64_t j = 0; j < k; j++) total += dims[j];
  parallel_for(outer, outer * total * inner >= kParallelMin, [=](int64_t o) {
    int64_t off = 0;
    for (int64_t j = 0; j < k; j++) {
      const int64_t len = dims[j] * inner;
      if (len > 0) std::memcpy(out + o * total * inner + off, inputs[j] + o * len, static_cast<size_t>(len) * sizeof(float));
      off += len;
    }
  });
}

void concat_backward(float* const* dinputs, const float* dout, const int64_t* dims, int64_t k,
                     int64_t outer, int64_t inner) {
  // dinputs[j]: (outer, dims[j], inner) or null  dout: (outer, total, inner)
  int64_t total = 0;
  for (int64_t j = 0; j < k; j++) total += dims[j];
  parallel_for(outer, outer * total * inner >= kParallelMin, [=](int64_t o) {
    int64_t off = 0;
    for (int64_t j = 0; j < k; j++) {
      const int64_t len = dims[j] * inner;
      if (dinputs[j]) {
        float* d = dinputs[j] + o * len;
        const float* g = dout + o * total * inner + off;
        for (int64_t i = 0; i < len; i++) d[i] += g[i];
      }
      off += len;
    }
  });
}

void slice_forward(float* out, const float* inp, int64_t outer, int64_t dim, int64_t inner, int64_t start,
                   int64_t len) {
  // out: (outer, len, inner)  inp: (outer, dim, inner)
  const int64_t row = len * inner;
  if (row == 0) return;
  parallel_for(outer, outer * row >= kParallelMin, [=](int64_t o) {
    std::memcpy(out + o * row, inp + (o * dim + start) * inner, static_cast<size_t>(row) * sizeof(float));
  });
}

void slice_backward(float* dinp, const float* dout, int64_t outer, int64_t dim, int64_t inner,
                    int64_t start, int64_t len) {
  // dinp: (outer, dim, inner)  dout: (outer, len, inner)
  const int64_t row = len * inner;
  parallel_for(outer, outer * row >= kParallelMin, [=](int64_t o) {
    float* d = dinp + (o * dim + start) * inner;
    const float* g = dout + o * row;
    for (int64_t i = 0; i < row; i++) d[i] += g[i];
  });
}

namespace {
constexpr int64_t kTile = 32;

template <bool ADD>
void transpose_impl(float* dst, const float* src, int64_t B, int64_t R, int64_t C) {
  // dst: (B, C, R)  src: (B, R, C)
  const int64_t tr = (R + kTile - 1) / kTile, tc = (C + kTile - 1) / kTile;
  const int64_t ntiles = B * tr * tc;
  parallel_for(ntiles, B * R * C >= kParallelMin, [=](int64_t t) {
    const int64_t b = t / (tr * tc), r0 = ((t / tc) % tr) * kTile, c0 = (t % tc) * kTile;
    const int64_t r1 = std::min(R, r0 + kTile), c1 = std::min(C, c0 + kTile);
    const float* s = src + b * R * C;
    float* d = dst + b * R * C;
    for (int64_t c = c0; c < c1; c++)
      for (int64_t r = r0; r < r1; r++) {
        if (ADD) d[c * R + r] += s[r * C + c];
        else d[c * R + r] = s[r * C + c];
      }
  });
}
}  // namespace

void transpose_forward(float* out, const float* inp, int64_t B, int64_t R, int64_t C) {
  transpose_impl<false>(out, inp, B, R, C);
}

void transpose_backward(float* dinp, const float* dout, int64_t B, int64_t R, int64_t C) {
  // dinp: (B, R, C) += T(dout: (B, C, R)): a transpose of (B, C, R) -> (B, R, C)
  transpose_impl<true>(dinp, dout, B, C, R);
}

}  // namespace ng::cpu
