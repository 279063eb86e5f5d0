// Optimizer updates over ONE flat float buffer: params, grads and every state buffer share the
// layout (n elements), so a step is one fused loop. Formulas follow torch.optim (1.13+, single
// tensor, maximize = False) operation by operation, in float32.
#pragma once
#include <cstdint>

namespace ng::cpu {

// SGD. g = grad + wd * p; with momentum: buf = first_step ? g : momentum * buf + (1 - dampening) * g,
// g = nesterov ? g + momentum * buf : buf; p -= lr * g. buf: (n) or null when momentum == 0.
void sgd_update(float* params, const float* grads, float* momentum_buf, int64_t n, float lr, float momentum,
                float dampening, bool nesterov, float weight_decay, bool first_step);

// Adam / AdamW. step is the 1-based step count after increment (bias corrections use it).
// decoupled (AdamW): p *= 1 - lr * wd; else g = grad + wd * p.
// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; vmax = max(vmax, v) when amsgrad (vmax: (n)
// or null otherwise); denom = sqrt(v or vmax) / sqrt(1 - b2^step) + eps;
// p -= (lr / (1 - b1^step)) * m / denom.
void adam_update(float* params, const float* grads, float* m, float* v, float* vmax, int64_t n, float lr,
                 float beta1, float beta2, float eps, float weight_decay, int64_t step, bool decoupled,
                 bool amsgrad);

// RMSprop. g = grad + wd * p; sq = alpha sq + (1 - alpha) g^2;
// centered: ga = alpha ga + (1 - alpha) g, avg = sqrt(sq - ga^2) + eps; else avg = sqrt(sq) + eps;
// momentum > 0: buf = momentum buf + g / avg, p -= lr buf; else p -= lr g / avg.
// grad_avg: (n) or null unless centered; momentum_buf: (n) or null unless momentum > 0
// (buffers start at zero, as in PyTorch).
void rmsprop_update(float* params, const float* grads, float* square_avg, float* grad_avg,
                    float* momentum_buf, int64_t n, float lr, float alpha, float eps, float weight_decay,
                    float momentum, bool centered);

// Adagrad. g = grad + wd * p; clr = lr / (1 + (step - 1) lr_decay); sum += g^2;
// p -= clr g / (sqrt(sum) + eps). state_sum starts at initial_accumulator_value (the caller
// fills it when the state is created). step: 1-based after increment.
void adagrad_update(float* params, const float* grads, float* state_sum, int64_t n, float lr, float lr_decay,
                    float weight_decay, float eps, int64_t step);

}  // namespace ng::cpu
