// Loss kernels. Sums of per-element losses use chunked_sum (double, fixed order).
#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/losses.h"

#include <cmath>

#include "cpu/ops/softmax.h"

namespace ng::cpu {

namespace {

// Per-element gradient scale: dout[i] for none, dout[0] / denom otherwise.
struct Scale {
  const float* dout;
  bool none;
  float k;
  float at(int64_t i) const { return none ? dout[i] : k; }
};

Scale make_scale(const float* dout, Reduction red, double denom) {
  Scale s{dout, red == Reduction::none, 0.0f};
  if (!s.none) s.k = static_cast<float>(static_cast<double>(dout[0]) / denom);
  return s;
}

// Denominator of a reduction over n elements with batch size `batch`.
double denom_of(Reduction red, int64_t n, int64_t batch) {
  if (red == Reduction::mean) return static_cast<double>(n);
  if (red == Reduction::batchmean) return static_cast<double>(batch);
  return 1.0;
}

// Sums f(i) over [0, n), writing losses[i] = f(i) when losses is non-null.
template <class F>
double pointwise_forward(float* losses, int64_t n, int64_t batch, Reduction red, const F& f) {
  const double s = chunked_sum(n, [&](int64_t i0, int64_t i1) {
    double acc = 0.0;
    for (int64_t i = i0; i < i1; i++) {
      const float l = f(i);
      if (losses) losses[i] = l;
      acc += l;
    }
    return acc;
  });
  return red == Reduction::none ? s : s / denom_of(red, n, batch);
}

inline float wt(const float* weight, int64_t c) { return weight ? weight[c] : 1.0f; }

// Whether row label y counts: not ignore_index and a class in [0, C). The binding checks labels
// in the forward pass only (once per step); the range test keeps the backward pass from ever
// indexing out of bounds without a second scan (valid labels take the same path as before).
inline bool counted(int32_t y, int64_t C, int32_t ignore_index) { return y != ignore_index && y >= 0 && y < C; }

// Sum of w[y_n] over counted rows (the CE/NLL mean denominator).
double label_weight_sum(const int32_t* labels, const float* weight, int64_t N, int64_t C, int32_t ignore_index) {
  double s = 0.0;
  for (int64_t n = 0; n < N; n++)
    if (counted(labels[n], C, ignore_index)) s += wt(weight, labels[n]);
  return s;
}

inline float sign_of(float d) { return d > 0.0f ? 1.0f : (d < 0.0f ? -1.0f : 0.0f); }

}  // namespace

double cross_entropy_forward(float* losses, float* probs, const float* logits, const int32_t* labels,
                             const float* weight, int64_t N, int64_t C, float label_smoothing,
                             int32_t ignore_index, Reduction red) {
  // losses: (N) or null  probs, logits: (N, C)  labels: (N)  weight: (C) or null
  const double ls = label_smoothing;
  const double total = chunked_sum(N, [&](int64_t i0, int64_t i1) {
    double acc = 0.0;
    for (int64_t n = i0; n < i1; n++) {
      const float* x = logits + n * C;
      float mx;
      const double lsum = softmax_row(probs + n * C, x, C, &mx);
      const auto logp = [&](int64_t c) { return (static_cast<double>(x[c]) - mx) - lsum; };
      const int32_t y = labels[n];
      double l = 0.0;
      if (y != ignore_index) {
        l = (1.0 - ls) * -static_cast<double>(wt(weight, y)) * logp(y);
        if (ls > 0.0) {
          double smooth = 0.0;
          for (int64_t c = 0; c < C; c++) smooth -= wt(weight, c) * logp(c);
          l += ls / static_cast<double>(C) * smooth;
        }
      }
      if (losses) losses[n] = static_cast<float>(l);
      acc += l;
    }
    return acc;
  }, C);
  if (red == Reduction::mean) return total / label_weight_sum(labels, weight, N, C, ignore_index);
  return total;
}

void cross_entropy_backward(float* dlogits, const float* probs, const int32_t* labels,
                            const float* weight, const float* dout, int64_t N, int64_t C,
                            float label_smoothing, int32_t ignore_index, Reduction red) {
  // dlogits, probs: (N, C)  labels: (N)  weight: (C) or null  dout: (1) or (N)
  const double denom = red == Reduction::mean ? label_weight_sum(labels, weight, N, C, ignore_index) : 1.0;
  const Scale sc = make_scale(dout, red, denom);
  float W = static_cast<float>(C);
  if (weight) {
    double s = 0.0;
    for (int64_t c = 0; c < C; c++) s += weight[c];
    W = static_cast<float>(s);
  }
  const float ls = label_smoothing;
  parallel_for(N, N * C >= kParallelMin, [=](int64_t n) {
    const int32_t y = labels[n];
    if (!counted(y, C, ignore_index)) return;
    const float s = sc.at(n);
    const float a = s * (1.0f - ls) * wt(weight, y);
    const float b = s * ls / static_cast<float>(C);
    const float* p = probs + n * C;
    float* d = dlogits + n * C;
    if (ls == 0.0f) {
      for (int64_t j = 0; j < C; j++) d[j] += a * p[j];
    } else if (!weight) {
      const float ab = a + b * W;
      for (int64_t j = 0; j < C; j++) d[j] += ab * p[j] - b;
    } else {
      const float ab = a + b * W;
      for (int64_t j = 0; j < C; j++) d[j] += ab * p[j] - b * weight[j];
    }
    d[y] -= a;
  });
}

double cross_entropy_dense_forward(float* losses, float* probs, const float* logits,
                                   const float* target, const float* weight, int64_t N, int64_t C,
                                   float label_smoothing, Reduction red) {
  // losses: (N) or null  probs, logits, target: (N, C)  weight: (C) or null
  const double ls = label_smoothing, u = ls / static_cast<double>(C);
  const double total = chunked_sum(N, [&](int64_t i0, int64_t i1) {
    double acc = 0.0;
    for (int64_t n = i0; n < i1; n++) {
      const float* x = logits + n * C;
      const float* t = target + n * C;
      float mx;
      const double lsum = softmax_row(probs + n * C, x, C, &mx);
      const auto logp = [&](int64_t c) { return (static_cast<double>(x[c]) - mx) - lsum; };
      double l = 0.0;
      for (int64_t c = 0; c < C; c++) {
        const double yc = (1.0 - ls) * t[c] + u;
        l -= wt(weight, c) * yc * logp(c);
      }
      if (losses) losses[n] = static_cast<float>(l);
      acc += l;
    }
    return acc;
  }, C);
  return red == Reduction::mean ? total / static_cast<double>(N) : total;
}

void cross_entropy_dense_backward(float* dlogits, const float* probs, const float* target,
                                  const float* weight, const float* dout, int64_t N, int64_t C,
                                  float label_smoothing, Reduction red) {
  // dlogits, probs, target: (N, C)  weight: (C) or null  dout: (1) or (N)
  const Scale sc = make_scale(dout, red, red == Reduction::mean ? static_cast<double>(N) : 1.0);
  const float ls = label_smoothing, u = ls / static_cast<float>(C);
  parallel_for(N, N * C >= kParallelMin, [=](int64_t n) {
    const float s = sc.at(n);
    const float* p = probs + n * C;
    const float* t = target + n * C;
    float* d = dlogits + n * C;
    float T = 0.0f;  // sum_c w_c y'_c
    for (int64_t c = 0; c < C; c++) T += wt(weight, c) * ((1.0f - ls) * t[c] + u);
    for (int64_t j = 0; j < C; j++) d[j] += s * (p[j] * T - wt(weight, j) * ((1.0f - ls) * t[j] + u));
  });
}

double nll_forward(float* losses, const float* logp, const int32_t* labels, const float* weight,
                   int64_t N, int64_t C, int32_t ignore_index, Reduction red) {
  // losses: (N) or null  logp: (N, C)  labels: (N)  weight: (C) or null
  double total = 0.0;
  for (int64_t n = 0; n < N; n++) {
    const int32_t y = labels[n];
    const float l = y == ignore_index ? 0.0f : -wt(weight, y) * logp[n * C + y];
    if (losses) losses[n] = l;
    total += l;
  }
  if (red == Reduction::mean) return total / label_weight_sum(labels, weight, N, C, ignore_index);
  return total;
}

void nll_backward(float* dlogp, const int32_t* labels, const float* weight, const float* dout,
                  int64_t N, int64_t C, int32_t ignore_index, Reduction red) {
  // dlogp: (N, C)  labels: (N)  weight: (C) or null  dout: (1) or (N)
  const double denom = red == Reduction::mean ? label_weight_sum(labels, weight, N, C, ignore_index) : 1.0;
  const Scale sc = make_scale(dout, red, denom);
  for (int64_t n = 0; n < N; n++) {
    const int32_t y = labels[n];
    if (counted(y, C, ignore_index)) dlogp[n * C + y] -= sc.at(n) * wt(weight, y);
  }
}

double bce_logits_forward(float* losses, const float* x, const float* y, const float* pos_weight,
                          int64_t n, int64_t C, Reduction red) {
  // losses: (n) or null  x, y: (n)  pos_weight: (C) or null
  return pointwise_forward(losses, n, 1, red, [&](int64_t i) {
    const float xi = x[i], yi = y[i];
    const float sp = std::log1p(exp_fast(-std::fabs(xi))) + std::max(-xi, 0.0f);  // softplus(-x)
    if (!pos_weight) return (1.0f - yi) * xi + sp;
    const float L = 1.0f + (pos_weight[i % C] - 1.0f) * yi;
    return (1.0f - yi) * xi + L * sp;
  });
}

void bce_logits_backward(float* dx, const float* x, const float* y, const float* pos_weight,
                         const float* dout, int64_t n, int64_t C, Reduction red) {
  // dx, x, y: (n)  pos_weight: (C) or null  dout: (1) or (n)
  const Scale sc = make_scale(dout, red, denom_of(red, n, 1));
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float s = sigmoid_fast(x[i]), yi = y[i];
    const float L = pos_weight ? 1.0f + (pos_weight[i % C] - 1.0f) * yi : 1.0f;
    dx[i] += sc.at(i) * ((1.0f - yi) - L * (1.0f - s));
  });
}

double bce_forward(float* losses, const float* p, const float* y, int64_t n, Reduction red) {
  // losses: (n) or null  p, y: (n)
  return pointwise_forward(losses, n, 1, red, [&](int64_t i) {
    const float lp = std::max(std::log(p[i]), -100.0f);
    const float lq = std::max(std::log1p(-p[i]), -100.0f);
    return -(y[i] * lp + (1.0f - y[i]) * lq);
  });
}

void bce_backward(float* dp, const float* p, const float* y, const float* dout, int64_t n, Reduction red) {
  // dp, p, y: (n)  dout: (1) or (n)
  const Scale sc = make_scale(dout, red, denom_of(red, n, 1));
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float q = std::max((1.0f - p[i]) * p[i], 1e-12f);
    dp[i] += sc.at(i) * (p[i] - y[i]) / q;
  });
}

double mse_forward(float* losses, const float* x, const float* y, int64_t n, Reduction red) {
  return pointwise_forward(losses, n, 1, red, [&](int64_t i) {
    const float d = x[i] - y[i];
    return d * d;
  });
}

void mse_backward(float* dx, float* dy, const float* x, const float* y, const float* dout, int64_t n,
                  Reduction red) {
  // dx, dy (either may be null), x, y: (n)  dout: (1) or (n)
  const Scale sc = make_scale(dout, red, denom_of(red, n, 1));
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float g = 2.0f * (x[i] - y[i]) * sc.at(i);
    if (dx) dx[i] += g;
    if (dy) dy[i] -= g;
  });
}

double l1_forward(float* losses, const float* x, const float* y, int64_t n, Reduction red) {
  return pointwise_forward(losses, n, 1, red, [&](int64_t i) { return std::fabs(x[i] - y[i]); });
}

void l1_backward(float* dx, float* dy, const float* x, const float* y, const float* dout, int64_t n,
                 Reduction red) {
  const Scale sc = make_scale(dout, red, denom_of(red, n, 1));
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float g = sign_of(x[i] - y[i]) * sc.at(i);
    if (dx) dx[i] += g;
    if (dy) dy[i] -= g;
  });
}

double huber_forward(float* losses, const float* x, const float* y, int64_t n, float delta, Reduction red) {
  return pointwise_forward(losses, n, 1, red, [&](int64_t i) {
    const float d = x[i] - y[i], ad = std::fabs(d);
    return ad < delta ? 0.5f * d * d : delta * (ad - 0.5f * delta);
  });
}

void huber_backward(float* dx, float* dy, const float* x, const float* y, const float* dout, int64_t n,
                    float delta, Reduction red) {
  const Scale sc = make_scale(dout, red, denom_of(red, n, 1));
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float d = x[i] - y[i];
    const float g = (d < -delta ? -delta : (d > delta ? delta : d)) * sc.at(i);
    if (dx) dx[i] += g;
    if (dy) dy[i] -= g;
  });
}

double kl_div_forward(float* losses, const float* input, const float* target, int64_t n,
                      int64_t batch, bool log_target, Reduction red) {
  // losses: (n) or null  input (log q), target: (n)
  return pointwise_forward(losses, n, batch, red, [&](int64_t i) {
    const float t = target[i];
    if (log_target) return std::exp(t) * (t - input[i]);
    return t > 0.0f ? t * (std::log(t) - input[i]) : (t == 0.0f ? 0.0f : NAN);
  });
}

void kl_div_backward(float* dinput, const float* target, const float* dout, int64_t n,
                     int64_t batch, bool log_target, Reduction red) {
  // dinput, target: (n)  dout: (1) or (n)
  const Scale sc = make_scale(dout, red, denom_of(red, n, batch));
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float t = log_target ? std::exp(target[i]) : target[i];
    dinput[i] -= t * sc.at(i);
  });
}

double hinge_forward(float* losses, const float* x, const float* y, int64_t n, float margin, Reduction red) {
  return pointwise_forward(losses, n, 1, red, [&](int64_t i) { return std::max(0.0f, margin - y[i] * x[i]); });
}

void hinge_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n, float margin,
                    Reduction red) {
  const Scale sc = make_scale(dout, red, denom_of(red, n, 1));
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dx[i] -= (margin - y[i] * x[i] > 0.0f ? y[i] : 0.0f) * sc.at(i); });
}

}  // namespace ng::cpu
