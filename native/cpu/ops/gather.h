// Data movement: row gather (mini-batch assembly), concat and slice along one axis, batched 2-D
// transpose. Tensors are contiguous; an axis is described as (outer, dim, inner) like reduce.h.
#pragma once
#include <cstdint>

namespace ng::cpu {

// out: (nidx, D)  src: (N, D)  idx: (nidx), 0 <= idx < N (the binding checks)
void gather_rows_f32(float* out, const float* src, const int32_t* idx, int64_t nidx, int64_t D);
void gather_rows_i32(int32_t* out, const int32_t* src, const int32_t* idx, int64_t nidx, int64_t D);
// dsrc: (N, D) += scatter(dout (nidx, D)) by idx (the gather backward; deterministic)
void scatter_add_rows(float* dsrc, const float* dout, const int32_t* idx, int64_t nidx, int64_t D);

// out: (outer, sum(dims), inner) = concat of inputs[k]: (outer, dims[k], inner) along the middle.
void concat_forward(float* out, const float* const* inputs, const int64_t* dims, int64_t k,
                    int64_t outer, int64_t inner);
// dinputs[k] (may be null) += the matching slice of dout.
void concat_backward(float* const* dinputs, const float* dout, const int64_t* dims, int64_t k,
                     int64_t outer, int64_t inner);

// out: (outer, len, inner) = inp: (outer, dim, inner)[:, start:start+len, :]
void slice_forward(float* out, const float* inp, int64_t outer, int64_t dim, int64_t inner, int64_t start,
                   int64_t len);
// dinp[:, start:start+len, :] += dout
void slice_backward(float* dinp, const float* dout, int64_t outer, int64_t dim, int64_t inner,
                    int64_t start, int64_t len);

// out: (B, C, R) = transpose of inp: (B, R, C) (blocked for cache)
void transpose_forward(float* out, const float* inp, int64_t B, int64_t R, int64_t C);
// dinp: (B, R, C) += transpose of dout: (B, C, R)
void transpose_backward(float* dinp, const float* dout, int64_t B, int64_t R, int64_t C);

}  // namespace ng::cpu
