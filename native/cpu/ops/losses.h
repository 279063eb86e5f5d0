// Loss functions, forward and backward, with reductions none | mean | sum (| batchmean for KL).
// Forward: `losses` receives the per-element (per-sample for CE/NLL) losses when
// red == none and may be null otherwise; the return value is the reduced loss (for none: the
// plain sum, which callers ignore). Backward: dout has 1 element for mean/sum/batchmean and
// the shape of `losses` for none; gradients are ADDED.
#pragma once
#include <cstdint>

#include "cpu/ops/common.h"

namespace ng::cpu {

// Softmax cross-entropy from logits with class-index labels (PyTorch CrossEntropyLoss):
//   loss_n = (1 - ls) * w[y_n] * -logp[n, y_n] + (ls / C) * sum_c w[c] * -logp[n, c]
// Rows with y_n == ignore_index give 0 and do not count. mean divides by sum_n w[y_n] (the
// number of counted rows without weights). weight: (C) or null. probs: (N, C) saved for backward.
// labels must be in [0, C) or equal ignore_index (the binding checks).
double cross_entropy_forward(float* losses, float* probs, const float* logits, const int32_t* labels,
                             const float* weight, int64_t N, int64_t C, float label_smoothing,
                             int32_t ignore_index, Reduction red);
// dlogits[n, j] += s_n ((1 - ls) w[y] (p_j - [j == y]) + (ls / C) (W p_j - w[j])), W = sum_c w[c]
void cross_entropy_backward(float* dlogits, const float* probs, const int32_t* labels,
                            const float* weight, const float* dout, int64_t N, int64_t C,
                            float label_smoothing, int32_t ignore_index, Reduction red);
// Same with dense target probabilities (N, C): y' = (1 - ls) y + ls / C,
//   loss_n = -sum_c w[c] y'[n, c] logp[n, c]; mean divides by N.
double cross_entropy_dense_forward(float* losses, float* probs, const float* logits,
                                   const float* target, const float* weight, int64_t N, int64_t C,
                                   float label_smoothing, Reduction red);
void cross_entropy_dense_backward(float* dlogits, const float* probs, const float* target,
                                  const float* weight, const float* dout, int64_t N, int64_t C,
                                  float label_smoothing, Reduction red);

// NLL on log-probabilities (N, C): loss_n = -w[y_n] logp[n, y_n]; mean divides by sum w[y_n].
double nll_forward(float* losses, const float* logp, const int32_t* labels, const float* weight,
                   int64_t N, int64_t C, int32_t ignore_index, Reduction red);
void nll_backward(float* dlogp, const int32_t* labels, const float* weight, const float* dout,
                  int64_t N, int64_t C, int32_t ignore_index, Reduction red);

// Binary cross-entropy with logits: x, y: (n) = (rows, C); pos_weight: (C) or null, applied to
// element i as pos_weight[i % C]. Stable: max(x,0) - x y + log1p(exp(-|x|)).
double bce_logits_forward(float* losses, const float* x, const float* y, const float* pos_weight,
                          int64_t n, int64_t C, Reduction red);
void bce_logits_backward(float* dx, const float* x, const float* y, const float* pos_weight,
                         const float* dout, int64_t n, int64_t C, Reduction red);
// Binary cross-entropy on probabilities p in [0, 1]; logs clamped to >= -100 (PyTorch);
// gradient (p - y) / max(p (1 - p), 1e-12).
double bce_forward(float* losses, const float* p, const float* y, int64_t n, Reduction red);
void bce_backward(float* dp, const float* p, const float* y, const float* dout, int64_t n, Reduction red);

// Regression losses on (x, y): (n). dx and/or dy may be null (dy gets the negated gradient).
double mse_forward(float* losses, const float* x, const float* y, int64_t n, Reduction red);
void mse_backward(float* dx, float* dy, const float* x, const float* y, const float* dout, int64_t n,
                  Reduction red);
double l1_forward(float* losses, const float* x, const float* y, int64_t n, Reduction red);
void l1_backward(float* dx, float* dy, const float* x, const float* y, const float* dout, int64_t n,
                 Reduction red);
// Huber: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta). smooth_l1(beta) = huber(beta) / beta.
double huber_forward(float* losses, const float* x, const float* y, int64_t n, float delta, Reduction red);
void huber_backward(float* dx, float* dy, const float* x, const float* y, const float* dout, int64_t n,
                    float delta, Reduction red);

// KL divergence, input = log q, target p (or log p when log_target):
//   loss_i = p (log p - input), 0 where p == 0. batchmean divides the sum by `batch`.
double kl_div_forward(float* losses, const float* input, const float* target, int64_t n,
                      int64_t batch, bool log_target, Reduction red);
void kl_div_backward(float* dinput, const float* target, const float* dout, int64_t n,
                     int64_t batch, bool log_target, Reduction red);

// Hinge: max(0, margin - y x) with labels y in {-1, 1}.
double hinge_forward(float* losses, const float* x, const float* y, int64_t n, float margin, Reduction red);
void hinge_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n, float margin,
                    Reduction red);

}  // namespace ng::cpu
