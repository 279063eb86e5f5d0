// Softmax and log-softmax over the last axis: inp viewed as N rows of C values.
#pragma once
#include <cstdint>

namespace ng::cpu {

void softmax_forward(float* out, const float* inp, int64_t N, int64_t C);
// dinp += out * (dout - sum(dout * out))   (reads the forward output)
void softmax_backward(float* dinp, const float* out, const float* dout, int64_t N, int64_t C);
void log_softmax_forward(float* out, const float* inp, int64_t N, int64_t C);
// dinp += dout - exp(out) * sum(dout)       (reads the forward output)
void log_softmax_backward(float* dinp, const float* out, const float* dout, int64_t N, int64_t C);

// One row: writes probs (C), sets *mx = max(x) and returns log(sum(exp(x - mx))), so that
// log p_c = (x_c - mx) - return value (accurate even for logits of +-1e4).
float softmax_row(float* probs, const float* x, int64_t C, float* mx);

}  // namespace ng::cpu
