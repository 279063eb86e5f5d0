// Reductions over one axis of a contiguous tensor viewed as (outer, dim, inner):
// the axis has length dim, `outer` is the product of the dims before it and `inner` of the
// dims after it. Reducing everything is (1, n, 1). keepdim is a shape matter for the caller.
#pragma once
#include <cstdint>

namespace ng::cpu {

// out: (outer, inner)  inp: (outer, dim, inner). Accumulates in double; deterministic.
void sum_forward(float* out, const float* inp, int64_t outer, int64_t dim, int64_t inner);
void mean_forward(float* out, const float* inp, int64_t outer, int64_t dim, int64_t inner);
// dinp: (outer, dim, inner) += broadcast dout (outer, inner) (times 1/dim for mean).
void sum_backward(float* dinp, const float* dout, int64_t outer, int64_t dim, int64_t inner);
void mean_backward(float* dinp, const float* dout, int64_t outer, int64_t dim, int64_t inner);
// out, idx: (outer, inner); the first maximum wins; NaN counts as the maximum (PyTorch).
void max_forward(float* out, int32_t* idx, const float* inp, int64_t outer, int64_t dim, int64_t inner);
// dinp[o, idx[o, i], i] += dout[o, i]
void max_backward(float* dinp, const float* dout, const int32_t* idx, int64_t outer, int64_t dim,
                  int64_t inner);
// idx: (outer, inner), argmax along the axis (first maximum).
void argmax(int32_t* idx, const float* inp, int64_t outer, int64_t dim, int64_t inner);

}  // namespace ng::cpu
