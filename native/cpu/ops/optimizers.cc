// Fused optimizer updates. Each element is independent, so loops parallelize trivially and give
// identical results for any thread count. Expressions mirror the order of torch's tensor ops
// (mul_ then add_, sqrt then divide then add eps) to stay within an ulp of PyTorch.
// The loops run per ISA (isa_dispatch.h: AVX-512 / AVX2 / baseline builds of the same body);
// multiply-adds are never contracted into FMAs, so every ISA gives the same bits.
#include "cpu/ops/opt_flags.h"  // first: compiler options for this file
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "cpu/ops/optimizers.h"

#include <cmath>
#include <type_traits>

#include "cpu/ops/common.h"
#include "cpu/ops/isa_dispatch.h"

namespace ng::cpu {

void sgd_update(float* params, const float* grads, float* momentum_buf, int64_t n, float lr, float momentum,
                float dampening, bool nesterov, float weight_decay, bool first_step) {
  // params, grads, momentum_buf: (n)
  if (momentum == 0.0f) {
    run_isa(n, 1, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
      for (int64_t i = i0; i < i1; i++) {
        const float g = grads[i] + weight_decay * params[i];
        params[i] -= lr * g;
      }
    });
    return;
  }
  run_isa(n, 1, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
    for (int64_t i = i0; i < i1; i++) {
      float g = grads[i] + weight_decay * params[i];
      const float buf = first_step ? g : momentum * momentum_buf[i] + (1.0f - dampening) * g;
      momentum_buf[i] = buf;
      g = nesterov ? g + momentum * buf : buf;
      params[i] -= lr * g;
    }
  });
}

void adam_update(float* params, const float* grads, float* m, float* v, float* vmax, int64_t n, float lr,
                 float beta1, float beta2, float eps, float weight_decay, int64_t step, bool decoupled,
                 bool amsgrad) {
  // params, grads, m, v, vmax: (n)
  const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
  const float step_size = static_cast<float>(static_cast<double>(lr) / bc1);
  const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
  // Scalars are formed in double and rounded once, as torch does with Python floats.
  const float decay = decoupled ? static_cast<float>(1.0 - static_cast<double>(lr) * weight_decay) : 1.0f;
  const float l2 = decoupled ? 0.0f : weight_decay;
  const float omb1 = static_cast<float>(1.0 - static_cast<double>(beta1));
  const float omb2 = static_cast<float>(1.0 - static_cast<double>(beta2));
  auto body = [=](int64_t i0, int64_t i1, auto ams) NG_INLINE_LAMBDA {
    for (int64_t i = i0; i < i1; i++) {
      const float p = params[i] * decay;
      const float g = grads[i] + l2 * p;
      const float mi = m[i] * beta1 + omb1 * g;
      const float vi = v[i] * beta2 + omb2 * (g * g);
      m[i] = mi;
      v[i] = vi;
      float vv = vi;
      if constexpr (decltype(ams)::value) {
        vv = vmax[i] < vi ? vi : vmax[i];  // std::max(vmax, v), NaN included
        vmax[i] = vv;
      }
      const float denom = std::sqrt(vv) / bc2_sqrt + eps;
      params[i] = p - step_size * (mi / denom);
    }
  };
  if (amsgrad)
    run_isa(n, 1, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA { body(i0, i1, std::true_type{}); });
  else
    run_isa(n, 1, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA { body(i0, i1, std::false_type{}); });
}

void rmsprop_update(float* params, const float* grads, float* square_avg, float* grad_avg,
                    float* momentum_buf, int64_t n, float lr, float alpha, float eps, float weight_decay,
                    float momentum, bool centered) {
  // params, grads, square_avg, grad_avg, momentum_buf: (n)
  const float oma = static_cast<float>(1.0 - static_cast<double>(alpha));
  run_isa(n, 1, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
    for (int64_t i = i0; i < i1; i++) {
      const float g = grads[i] + weight_decay * params[i];
      const float sq = square_avg[i] * alpha + oma * (g * g);
      square_avg[i] = sq;
      float avg;
      if (centered) {
        const float ga = grad_avg[i] * alpha + oma * g;
        grad_avg[i] = ga;
        avg = std::sqrt(sq - ga * ga) + eps;
      } else {
        avg = std::sqrt(sq) + eps;
      }
      if (momentum > 0.0f) {
        const float buf = momentum_buf[i] * momentum + g / avg;
        momentum_buf[i] = buf;
        params[i] -= lr * buf;
      } else {
        params[i] -= lr * (g / avg);
      }
    }
  });
}

void adagrad_update(float* params, const float* grads, float* state_sum, int64_t n, float lr, float lr_decay,
                    float weight_decay, float eps, int64_t step) {
  // params, grads, state_sum: (n)
  const float clr = static_cast<float>(static_cast<double>(lr) /
                                       (1.0 + static_cast<double>(step - 1) * static_cast<double>(lr_decay)));
  run_isa(n, 1, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
    for (int64_t i = i0; i < i1; i++) {
      const float g = grads[i] + weight_decay * params[i];
      const float s = state_sum[i] + g * g;
      state_sum[i] = s;
      params[i] -= clr * (g / (std::sqrt(s) + eps));
    }
  });
}

}  // namespace ng::cpu
