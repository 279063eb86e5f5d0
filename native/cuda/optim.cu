// Fused optimizer steps over the flat parameter buffer (one kernel per step, the formulas of
// native/cpu/ops/optimizers.cc) and the fills / in-place maps of the op table.
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ng::cuda {

namespace {

__global__ void sgd_kernel(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ buf, i64 n, float lr,
                           float momentum, float dampening, bool nesterov, float wd, bool first) {
  NG_GRID_STRIDE(i, n) {
    float gi = g[i] + wd * p[i];
    if (momentum != 0.0f) {
      const float b = first ? gi : momentum * buf[i] + (1.0f - dampening) * gi;
      buf[i] = b;
      gi = nesterov ? gi + momentum * b : b;
    }
    p[i] -= lr * gi;
  }
}

__global__ void adam_kernel(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ m,
                            float* __restrict__ v, float* __restrict__ vmax, i64 n, float beta1, float beta2, float eps,
                            float step_size, float bc2_sqrt, float decay, float l2, float omb1, float omb2, bool amsgrad) {
  NG_GRID_STRIDE(i, n) {
    const float pi = p[i] * decay;
    const float gi = g[i] + l2 * pi;
    const float mi = m[i] * beta1 + omb1 * gi;
    const float vi = v[i] * beta2 + omb2 * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    float vv = vi;
    if (amsgrad) {
      vv = fmaxf(vmax[i], vi);
      vmax[i] = vv;
    }
    p[i] = pi - step_size * (mi / (sqrtf(vv) / bc2_sqrt + eps));
  }
}

__global__ void rmsprop_kernel(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ sq,
                               float* __restrict__ ga, float* __restrict__ buf, i64 n, float lr, float alpha, float oma,
                               float eps, float wd, float momentum, bool centered) {
  NG_GRID_STRIDE(i, n) {
    const float gi = g[i] + wd * p[i];
    const float s = sq[i] * alpha + oma * (gi * gi);
    sq[i] = s;
    float avg;
    if (centered) {
      const float a = ga[i] * alpha + oma * gi;
      ga[i] = a;
      avg = sqrtf(s - a * a) + eps;
    } else {
      avg = sqrtf(s) + eps;
    }
    if (momentum > 0.0f) {
      const float b = buf[i] * momentum + gi / avg;
      buf[i] = b;
      p[i] -= lr * b;
    } else {
      p[i] -= lr * (gi / avg);
    }
  }
}

__global__ void adagrad_kernel(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ ss, i64 n,
                               float clr, float wd, float eps) {
  NG_GRID_STRIDE(i, n) {
    const float gi = g[i] + wd * p[i];
    const float s = ss[i] + gi * gi;
    ss[i] = s;
    p[i] -= clr * (gi / (sqrtf(s) + eps));
  }
}

// MODE 0 scale, 1 clip, 2 fill, 3 arange (a = start, b = step in double)
template <int MODE>
__global__ void map_kernel(float* __restrict__ x, i64 n, float a, float b, double da, double db) {
  NG_GRID_STRIDE(i, n) {
    if (MODE == 0) x[i] *= a;
    else if (MODE == 1) x[i] = x[i] < a ? a : (x[i] > b ? b : x[i]);
    else if (MODE == 2) x[i] = a;
    else x[i] = static_cast<float>(da + static_cast<double>(i) * db);
  }
}

__global__ void fill_i32_kernel(int32_t* __restrict__ x, i64 n, int32_t v) {
  NG_GRID_STRIDE(i, n) x[i] = v;
}

__global__ void eye_kernel(float* __restrict__ out, i64 n, i64 m) {
  NG_GRID_STRIDE(k, n * m) out[k] = (k / m == k % m) ? 1.0f : 0.0f;
}

template <int MODE>
void launch_map(float* x, i64 n, const double* a) {
  if (n <= 0) return;
  map_kernel<MODE><<<grid_for(n), kThreads, 0, stream()>>>(x, n, static_cast<float>(a[0]), static_cast<float>(a[1]),
                                                           a[0], a[1]);
  launched("vector map");
}

}  // namespace

void sgd_update(float* params, const float* grads, float* momentum_buf, i64 n, float lr, float momentum,
                float dampening, bool nesterov, float weight_decay, bool first_step) {
  if (n <= 0) return;
  sgd_kernel<<<grid_for(n), kThreads, 0, stream()>>>(params, grads, momentum_buf, n, lr, momentum, dampening, nesterov,
                                                      weight_decay, first_step);
  launched("sgd");
}

void adam_update(float* params, const float* grads, float* m, float* v, float* vmax, i64 n, float lr, float beta1,
                 float beta2, float eps, float weight_decay, i64 step, bool decoupled, bool amsgrad) {
  if (n <= 0) return;
  const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
  const float step_size = static_cast<float>(static_cast<double>(lr) / bc1);
  const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
  const float decay = decoupled ? static_cast<float>(1.0 - static_cast<double>(lr) * weight_decay) : 1.0f;
  const float l2 = decoupled ? 0.0f : weight_decay;
  const float omb1 = static_cast<float>(1.0 - static_cast<double>(beta1));
  const float omb2 = static_cast<float>(1.0 - static_cast<double>(beta2));
  adam_kernel<<<grid_for(n), kThreads, 0, stream()>>>(params, grads, m, v, vmax, n, beta1, beta2, eps, step_size,
                                                       bc2_sqrt, decay, l2, omb1, omb2, amsgrad);
  launched("adam");
}

void rmsprop_update(float* params, const float* grads, float* square_avg, float* grad_avg, float* momentum_buf, i64 n,
                    float lr, float alpha, float eps, float weight_decay, float momentum, bool centered) {
  if (n <= 0) return;
  const float oma = static_cast<float>(1.0 - static_cast<double>(alpha));
  rmsprop_kernel<<<grid_for(n), kThreads, 0, stream()>>>(params, grads, square_avg, grad_avg, momentum_buf, n, lr, alpha,
                                                          oma, eps, weight_decay, momentum, centered);
  launched("rmsprop");
}

void adagrad_update(float* params, const float* grads, float* state_sum, i64 n, float lr, float lr_decay,
                    float weight_decay, float eps, i64 step) {
  if (n <= 0) return;
  const float clr = static_cast<float>(static_cast<double>(lr) /
                                       (1.0 + static_cast<double>(step - 1) * static_cast<double>(lr_decay)));
  adagrad_kernel<<<grid_for(n), kThreads, 0, stream()>>>(params, grads, state_sum, n, clr, weight_decay, eps);
  launched("adagrad");
}

void scale_inplace(float* x, i64 n, const double* a) { launch_map<0>(x, n, a); }
void clip_by_value(float* x, i64 n, const double* a) { launch_map<1>(x, n, a); }
void fill_f32(float* x, i64 n, const double* a) { launch_map<2>(x, n, a); }
void arange_f32(float* x, i64 n, const double* a) { launch_map<3>(x, n, a); }

void fill_i32(int32_t* out, i64 n, int32_t value) {
  if (n <= 0) return;
  fill_i32_kernel<<<grid_for(n), kThreads, 0, stream()>>>(out, n, value);
  launched("fillI32");
}

void eye_f32(float* out, i64 n, i64 m) {
  if (n * m <= 0) return;
  eye_kernel<<<grid_for(n * m), kThreads, 0, stream()>>>(out, n, m);
  launched("eye");
}

}  // namespace ng::cuda
