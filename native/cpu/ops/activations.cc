// Pointwise activations. Loops are plain and branch-free where it matters so that gcc
// auto-vectorizes them; exp goes through exp_fast (common.h).
#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/activations.h"

#include <cmath>

#include "cpu/ops/common.h"
#include "cpu/ops/isa_dispatch.h"

namespace ng::cpu {

namespace {
constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
constexpr float kSeluScale = 1.0507009873554804934193349852946f;
constexpr float kSqrt2OverPi = 0.79788456080286535588f;
constexpr float kGeluC = 0.044715f;
}  // namespace

void relu_forward(float* out, const float* inp, int64_t n) {
  // out, inp: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float x = inp[i];
    out[i] = x > 0.0f ? x : 0.0f;
  });
}

void relu_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  // dinp, inp, dout: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float g = dout[i];
    dinp[i] += inp[i] > 0.0f ? g : 0.0f;
  });
}

void relu_backward_init(float* dinp, const float* inp, const float* dout, int64_t n) {
  // dinp, inp, dout: (n,); 0 + v as relu_backward adds into zeros (-0 becomes +0)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float g = dout[i];
    dinp[i] = 0.0f + (inp[i] > 0.0f ? g : 0.0f);
  });
}

void hardswish_forward(float* out, const float* inp, int64_t n) {
  // out, inp: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float x = inp[i];
    float r = x + 3.0f;
    r = r < 0.0f ? 0.0f : r;
    r = r > 6.0f ? 6.0f : r;
    out[i] = x * r / 6.0f;
  });
}

void hardswish_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  // dinp, inp, dout: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float x = inp[i];
    const float d = x < -3.0f ? 0.0f : (x <= 3.0f ? x / 3.0f + 0.5f : 1.0f);
    dinp[i] += dout[i] * d;
  });
}

void leaky_relu_forward(float* out, const float* inp, int64_t n, float slope) {
  // out, inp: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float x = inp[i];
    out[i] = x > 0.0f ? x : slope * x;
  });
}

void leaky_relu_backward(float* dinp, const float* inp, const float* dout, int64_t n, float slope) {
  // dinp, inp, dout: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float g = dout[i];
    dinp[i] += inp[i] > 0.0f ? g : slope * g;
  });
}

void elu_forward(float* out, const float* inp, int64_t n, float alpha) {
  // out, inp: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float x = inp[i];
    out[i] = x > 0.0f ? x : alpha * std::expm1(x);
  });
}

void elu_backward(float* dinp, const float* inp, const float* dout, int64_t n, float alpha) {
  // dinp, inp, dout: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float x = inp[i];
    const float g = dout[i];
    dinp[i] += x > 0.0f ? g : g * alpha * exp_fast(x > 0.0f ? 0.0f : x);
  });
}

void selu_forward(float* out, const float* inp, int64_t n) {
  // out, inp: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float x = inp[i];
    out[i] = kSeluScale * (x > 0.0f ? x : kSeluAlpha * std::expm1(x));
  });
}

void selu_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  // dinp, inp, dout: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float x = inp[i];
    const float g = x > 0.0f ? kSeluScale : kSeluScale * kSeluAlpha * exp_fast(x > 0.0f ? 0.0f : x);
    dinp[i] += dout[i] * g;
  });
}

void gelu_forward(float* out, const float* inp, int64_t n) {
  // out, inp: (n,)
  // gelu_erf_value(x) is one long dependent chain per element (a division, a degree-9
  // polynomial, exp_fast): a loop over elements keeps too few of them in flight to fill the
  // vector units. Blocks of kBlock elements run it in stages instead, each stage a loop over the
  // block (its vectors independent) through an L1 buffer. Same operations on each element as
  // gelu_erf_value (erfc_nonneg, normal_cdf), in the same order: the same bits.
  constexpr int64_t kBlock = 256;
  run_isa(n, 10, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
    for (int64_t b0 = i0; b0 < i1; b0 += kBlock) {
      const int64_t len = i1 - b0 < kBlock ? i1 - b0 : kBlock;
      const float* x = inp + b0;
      float t[kBlock], a[kBlock];
      for (int64_t i = 0; i < len; i++) {  // erfc_nonneg(z), z = |x| / sqrt 2: t and the exponent
        const float z = std::fabs(x[i]) * 0.70710678118654752f;
        t[i] = erfc_t(z);
        a[i] = erfc_exponent(t[i], z);
      }
      for (int64_t i = 0; i < len; i++) a[i] = exp_fast(a[i]);
      for (int64_t i = 0; i < len; i++) {  // normal_cdf, then x Phi(x)
        const float e = 0.5f * (t[i] * a[i]);
        out[b0 + i] = x[i] * (x[i] < 0.0f ? e : 1.0f - e);
      }
    }
  });
}

void gelu_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  // dinp, inp, dout: (n,)   d/dx = Phi(x) + x phi(x)
  run_isa(n, 12, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
    for (int64_t i = i0; i < i1; i++) dinp[i] += dout[i] * gelu_erf_grad(inp[i]);
  });
}

void gelu_tanh_forward(float* out, const float* inp, int64_t n) {
  // out, inp: (n,)
  run_isa(n, 10, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
    for (int64_t i = i0; i < i1; i++) {
      const float x = inp[i];
      const float u = kSqrt2OverPi * (x + kGeluC * x * x * x);
      out[i] = 0.5f * x * (1.0f + tanh_fast(u));
    }
  });
}

void gelu_tanh_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  // dinp, inp, dout: (n,)
  run_isa(n, 10, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
    for (int64_t i = i0; i < i1; i++) {
      const float x = inp[i];
      const float u = kSqrt2OverPi * (x + kGeluC * x * x * x);
      const float t = tanh_fast(u);
      const float du = kSqrt2OverPi * (1.0f + 3.0f * kGeluC * x * x);
      dinp[i] += dout[i] * (0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du);
    }
  });
}

void silu_forward(float* out, const float* inp, int64_t n) {
  // out, inp: (n,)   (exp-heavy: per-ISA builds, see isa_dispatch.h)
  run_isa(n, 8, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
    for (int64_t i = i0; i < i1; i++) out[i] = inp[i] * sigmoid_fast(inp[i]);
  });
}

void silu_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  // dinp, inp, dout: (n,)   d/dx = s (1 + x (1 - s))
  run_isa(n, 8, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
    for (int64_t i = i0; i < i1; i++) {
      const float x = inp[i], s = sigmoid_fast(x);
      dinp[i] += dout[i] * s * (1.0f + x * (1.0f - s));
    }
  });
}

void sigmoid_forward(float* out, const float* inp, int64_t n) {
  // out, inp: (n,)
  run_isa(n, 8, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
    for (int64_t i = i0; i < i1; i++) out[i] = sigmoid_fast(inp[i]);
  });
}

void sigmoid_backward(float* dinp, const float* out, const float* dout, int64_t n) {
  // dinp, out, dout: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] += dout[i] * out[i] * (1.0f - out[i]); });
}

void tanh_forward(float* out, const float* inp, int64_t n) {
  // out, inp: (n,)
  run_isa(n, 8, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
    for (int64_t i = i0; i < i1; i++) out[i] = tanh_fast(inp[i]);
  });
}

void tanh_backward(float* dinp, const float* out, const float* dout, int64_t n) {
  // dinp, out, dout: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] += dout[i] * (1.0f - out[i] * out[i]); });
}

void softplus_forward(float* out, const float* inp, int64_t n, float beta, float threshold) {
  // out, inp: (n,)   log1p(exp(bx)) written stably as max(bx, 0) + log1p(exp(-|bx|))
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float bx = beta * inp[i];
    const float x = inp[i];
    const float sp = ((bx > 0.0f ? bx : 0.0f) + std::log1p(exp_fast(-std::fabs(bx)))) / beta;
    out[i] = bx > threshold ? x : sp;
  });
}

void softplus_backward(float* dinp, const float* inp, const float* dout, int64_t n, float beta,
                       float threshold) {
  // dinp, inp, dout: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float bx = beta * inp[i];
    const float g = dout[i];
    dinp[i] += bx > threshold ? g : g * sigmoid_fast(bx);
  });
}

}  // namespace ng::cpu
