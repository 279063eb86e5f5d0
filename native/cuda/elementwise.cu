// Elementwise kernels: unary forward/backward (the same formulas as native/cpu/ops/activations.cc
// and elementwise.cc, in CUDA math), broadcasting binary ops and comparisons over 4 padded dims,
// where, casts (native/cpu/ops/masks.cc), transpose.
// Backward kernels ADD into their gradient, like the CPU ones.
#include "cuda/common.cuh"
#include "cuda/kernels.h"
#include "ops/permute_walk.h"

namespace ng::cuda {

namespace {

constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
constexpr float kSeluScale = 1.0507009873554804934193349852946f;
constexpr float kSqrt2OverPi = 0.79788456080286535588f;
constexpr float kInvSqrt2 = 0.70710678118654752440f;
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;
constexpr float kGeluC = 0.044715f;

__device__ inline float sigmoidf(float x) { return 1.0f / (1.0f + __expf(-x)); }

__device__ inline float unary_value(Unary op, float x, float a, float b) {
  switch (op) {
    case Unary::relu: return x > 0.0f ? x : 0.0f;
    case Unary::leaky_relu: return x > 0.0f ? x : a * x;
    case Unary::elu: return x > 0.0f ? x : a * expm1f(x);
    case Unary::selu: return kSeluScale * (x > 0.0f ? x : kSeluAlpha * expm1f(x));
    case Unary::gelu: return 0.5f * x * (1.0f + erff(x * kInvSqrt2));
    case Unary::gelu_tanh: return 0.5f * x * (1.0f + tanhf(kSqrt2OverPi * (x + kGeluC * x * x * x)));
    case Unary::silu: return x * sigmoidf(x);
    case Unary::sigmoid: return sigmoidf(x);
    case Unary::tanh: return tanhf(x);
    case Unary::softplus: {
      const float bx = a * x;
      return bx > b ? x : (fmaxf(bx, 0.0f) + log1pf(expf(-fabsf(bx)))) / a;
    }
    case Unary::hardswish: return x * fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case Unary::neg: return -x;
    case Unary::exp: return expf(x);
    case Unary::log: return logf(x);
    case Unary::sqrt: return sqrtf(x);
    case Unary::abs: return fabsf(x);
    case Unary::square: return x * x;
    case Unary::add_scalar: return x + a;
    case Unary::mul_scalar: return x * a;
    case Unary::pow_scalar: return powf(x, a);
    case Unary::rdiv_scalar: return a / x;
    case Unary::clamp: return x < a ? a : (x > b ? b : x);
    case Unary::log1p: return log1pf(x);
    case Unary::sin: return sinf(x);
    case Unary::cos: return cosf(x);
    default: return x;  // neg_bwd, mul_scalar_bwd, add_into, copy: handled by the launcher
  }
}

// d(out)/d(x) times g; `s` is x or out as the op row says.
__device__ inline float unary_grad(UnaryBwd op, float s, float g, float a, float b) {
  switch (op) {
    case UnaryBwd::relu: return s > 0.0f ? g : 0.0f;
    case UnaryBwd::leaky_relu: return s > 0.0f ? g : a * g;
    case UnaryBwd::elu: return s > 0.0f ? g : g * a * expf(s);
    case UnaryBwd::selu: return g * (s > 0.0f ? kSeluScale : kSeluScale * kSeluAlpha * expf(s));
    case UnaryBwd::gelu: {
      const float cdf = 0.5f * (1.0f + erff(s * kInvSqrt2));
      return g * (cdf + s * kInvSqrt2Pi * expf(-0.5f * s * s));
    }
    case UnaryBwd::gelu_tanh: {
      const float t = tanhf(kSqrt2OverPi * (s + kGeluC * s * s * s));
      const float du = kSqrt2OverPi * (1.0f + 3.0f * kGeluC * s * s);
      return g * (0.5f * (1.0f + t) + 0.5f * s * (1.0f - t * t) * du);
    }
    case UnaryBwd::silu: {
      const float sg = sigmoidf(s);
      return g * sg * (1.0f + s * (1.0f - sg));
    }
    case UnaryBwd::sigmoid: return g * s * (1.0f - s);
    case UnaryBwd::tanh: return g * (1.0f - s * s);
    case UnaryBwd::softplus: {
      const float bx = a * s;
      return bx > b ? g : g * sigmoidf(bx);
    }
    case UnaryBwd::hardswish: return g * (s < -3.0f ? 0.0f : (s <= 3.0f ? s / 3.0f + 0.5f : 1.0f));
    case UnaryBwd::exp: return g * s;
    case UnaryBwd::log: return g / s;
    case UnaryBwd::sqrt: return g * 0.5f / s;
    case UnaryBwd::abs: return s > 0.0f ? g : (s < 0.0f ? -g : 0.0f);
    case UnaryBwd::square: return 2.0f * s * g;
    case UnaryBwd::pow_scalar: return a == 0.0f ? 0.0f : g * a * powf(s, a - 1.0f);
    case UnaryBwd::rdiv_scalar: return -(g * a / (s * s));
    case UnaryBwd::clamp: return (s >= a && s <= b) ? g : 0.0f;
    case UnaryBwd::log1p: return g / (1.0f + s);
    case UnaryBwd::sin: return g * cosf(s);
    case UnaryBwd::cos: return -(g * sinf(s));
  }
  return 0.0f;
}

template <Unary OP>
__global__ void unary_kernel(float* __restrict__ out, const float* __restrict__ x, i64 n, float a, float b) {
  NG_GRID_STRIDE(i, n) {
    if constexpr (OP == Unary::neg_bwd) out[i] -= x[i];
    else if constexpr (OP == Unary::mul_scalar_bwd) out[i] += x[i] * a;
    else if constexpr (OP == Unary::add_into) out[i] += x[i];
    else out[i] = unary_value(OP, x[i], a, b);
  }
}

template <UnaryBwd OP>
__global__ void unary_bwd_kernel(float* __restrict__ dx, const float* __restrict__ s, const float* __restrict__ g,
                                 i64 n, float a, float b) {
  NG_GRID_STRIDE(i, n) dx[i] += unary_grad(OP, s[i], g[i], a, b);
}

template <Unary OP>
void launch_unary(float* out, const float* x, i64 n, float a, float b) {
  unary_kernel<OP><<<grid_for(n), kThreads, 0, stream()>>>(out, x, n, a, b);
}
template <UnaryBwd OP>
void launch_unary_bwd(float* dx, const float* s, const float* g, i64 n, float a, float b) {
  unary_bwd_kernel<OP><<<grid_for(n), kThreads, 0, stream()>>>(dx, s, g, n, a, b);
}

// Broadcast geometry: out dims and each input's strides (0 on broadcast dims), 4 padded dims.
struct Geom {
  i64 od[4];
  i64 sa[4], sb[4];
  i64 numel;
};

Geom make_geom(const i64* as, const i64* bs) {
  Geom g;
  i64 stra = 1, strb = 1;
  g.numel = 1;
  for (int k = 3; k >= 0; k--) {
    g.od[k] = as[k] == 1 ? bs[k] : as[k];
    g.sa[k] = as[k] == 1 ? 0 : stra;
    g.sb[k] = bs[k] == 1 ? 0 : strb;
    stra *= as[k];
    strb *= bs[k];
    g.numel *= g.od[k];
  }
  return g;
}

__device__ inline float apply(BinOp op, float a, float b) {
  switch (op) {
    case BinOp::add: return a + b;
    case BinOp::sub: return a - b;
    case BinOp::mul: return a * b;
    default: return a / b;
  }
}

__device__ inline float deriv(BinOp op, bool wrt_a, float g, float a, float b) {
  switch (op) {
    case BinOp::add: return g;
    case BinOp::sub: return wrt_a ? g : -g;
    case BinOp::mul: return wrt_a ? g * b : g * a;
    default: return wrt_a ? g / b : -g * a / (b * b);
  }
}

// The element offsets in a and b of output element i.
__device__ inline void operand_offsets(i64 i, const Geom& g, i64& oa, i64& ob) {
  i64 r = i;
  oa = 0;
  ob = 0;
  for (int k = 3; k >= 0; k--) {
    const i64 ik = r % g.od[k];
    r /= g.od[k];
    oa += ik * g.sa[k];
    ob += ik * g.sb[k];
  }
}

template <BinOp OP>
__global__ void binary_kernel(float* __restrict__ out, const float* __restrict__ a, const float* __restrict__ b,
                              Geom g) {
  NG_GRID_STRIDE(i, g.numel) {
    i64 oa, ob;
    operand_offsets(i, g, oa, ob);
    out[i] = apply(OP, a[oa], b[ob]);
  }
}

// One thread per element of the target (a or b): sums over the output positions that broadcast
// onto it (dims where the target has stride 0 but the output has size > 1).
template <BinOp OP, bool WRT_A>
__global__ void binary_bwd_kernel(float* __restrict__ t, const float* __restrict__ dout, const float* __restrict__ a,
                                  const float* __restrict__ b, Geom g, i64 tnumel) {
  const i64* st = WRT_A ? g.sa : g.sb;
  i64 red[4], nred = 1;
  for (int k = 0; k < 4; k++) {
    red[k] = (st[k] == 0 && g.od[k] > 1) ? g.od[k] : 1;
    nred *= red[k];
  }
  NG_GRID_STRIDE(j, tnumel) {
    // Target index -> indices over its kept dims (row-major over the target's own shape).
    i64 kept[4];
    i64 r = j;
    for (int k = 3; k >= 0; k--) {
      const i64 dk = red[k] > 1 || (st[k] == 0) ? 1 : g.od[k];
      kept[k] = r % dk;
      r /= dk;
    }
    float acc = 0.0f;
    for (i64 q = 0; q < nred; q++) {
      i64 rq = q, oi = 0, oa = 0, ob = 0, mul = 1;
      i64 idx[4];
      for (int k = 3; k >= 0; k--) {
        if (red[k] > 1) {
          idx[k] = rq % red[k];
          rq /= red[k];
        } else {
          idx[k] = kept[k];
        }
      }
      for (int k = 3; k >= 0; k--) {
        oi += idx[k] * mul;
        mul *= g.od[k];
        oa += idx[k] * g.sa[k];
        ob += idx[k] * g.sb[k];
      }
      const float av = a ? a[oa] : 0.0f, bv = b ? b[ob] : 0.0f;
      acc += deriv(OP, WRT_A, dout[oi], av, bv);
    }
    t[j] += acc;
  }
}

template <BinOp OP>
void launch_binary(float* out, const float* a, const i64* as, const float* b, const i64* bs) {
  const Geom g = make_geom(as, bs);
  if (g.numel == 0) return;
  binary_kernel<OP><<<grid_for(g.numel), kThreads, 0, stream()>>>(out, a, b, g);
  launched("binary");
}

template <BinOp OP>
void launch_binary_bwd(float* da, float* db, const float* dout, const float* a, const i64* as, const float* b,
                       const i64* bs) {
  const Geom g = make_geom(as, bs);
  if (g.numel == 0) return;
  if (da) {
    const i64 n = as[0] * as[1] * as[2] * as[3];
    binary_bwd_kernel<OP, true><<<grid_for(n), kThreads, 0, stream()>>>(da, dout, a, b, g, n);
    launched("binary backward");
  }
  if (db) {
    const i64 n = bs[0] * bs[1] * bs[2] * bs[3];
    binary_bwd_kernel<OP, false><<<grid_for(n), kThreads, 0, stream()>>>(db, dout, a, b, g, n);
    launched("binary backward");
  }
}

// Permute: one thread per output element; BWD: a (dx) += b (dout) at the element's input place.
template <bool BWD>
__global__ void permute_kernel(float* a, const float* __restrict__ b, ops::PermuteWalk w) {
  NG_GRID_STRIDE(i, w.numel) {
    i64 rem = i, off = 0;
    for (int k = w.r - 1; k >= 0; k--) {
      off += (rem % w.d[k]) * w.s[k];
      rem /= w.d[k];
    }
    if constexpr (BWD) a[off] += b[i];
    else a[i] = b[off];
  }
}

template <bool BWD>
void launch_permute(float* a, const float* b, const ops::PermuteGeom& g) {
  const ops::PermuteWalk w = ops::make_permute_walk(g);
  if (w.numel == 0) return;
  permute_kernel<BWD><<<grid_for(w.numel), kThreads, 0, stream()>>>(a, b, w);
  launched("permute");
}

// Comparisons (1 / 0 as float32), broadcast like the binary ops; NaN compares unequal.
template <class T>
__device__ inline float holds(CompareOp op, T a, T b) {
  switch (op) {
    case CompareOp::eq: return a == b ? 1.0f : 0.0f;
    case CompareOp::ne: return a != b ? 1.0f : 0.0f;
    case CompareOp::lt: return a < b ? 1.0f : 0.0f;
    case CompareOp::le: return a <= b ? 1.0f : 0.0f;
    case CompareOp::gt: return a > b ? 1.0f : 0.0f;
    default: return a >= b ? 1.0f : 0.0f;
  }
}

template <class T>
__global__ void compare_kernel(float* __restrict__ out, const T* __restrict__ a, const T* __restrict__ b, Geom g,
                               CompareOp op) {
  NG_GRID_STRIDE(i, g.numel) {
    i64 oa, ob;
    operand_offsets(i, g, oa, ob);
    out[i] = holds(op, a[oa], b[ob]);
  }
}

template <class T>
void launch_compare(float* out, const T* a, const i64* as, const T* b, const i64* bs, CompareOp op) {
  const Geom g = make_geom(as, bs);
  if (g.numel == 0) return;
  compare_kernel<T><<<grid_for(g.numel), kThreads, 0, stream()>>>(out, a, b, g, op);
  launched("compare");
}

__global__ void where_kernel(float* __restrict__ out, const float* __restrict__ cond, const float* __restrict__ a,
                             const float* __restrict__ b, i64 n) {
  NG_GRID_STRIDE(i, n) { out[i] = cond[i] != 0.0f ? a[i] : b[i]; }
}

// da += dout where cond != 0, db += dout elsewhere (either may be null).
__global__ void where_bwd_kernel(float* da, float* db, const float* __restrict__ dout,
                                 const float* __restrict__ cond, i64 n) {
  NG_GRID_STRIDE(i, n) {
    const bool take_a = cond[i] != 0.0f;
    if (da && take_a) da[i] += dout[i];
    if (db && !take_a) db[i] += dout[i];
  }
}

__global__ void cast_to_f32_kernel(float* __restrict__ out, const int32_t* __restrict__ x, i64 n) {
  NG_GRID_STRIDE(i, n) { out[i] = static_cast<float>(x[i]); }
}

// Toward zero; NaN -> 0, beyond the int32 range -> INT32_MIN / INT32_MAX (as the CPU kernel).
__global__ void cast_to_i32_kernel(int32_t* __restrict__ out, const float* __restrict__ x, i64 n) {
  NG_GRID_STRIDE(i, n) {
    const float v = x[i];
    out[i] = v != v ? 0 : v >= 2147483648.0f ? INT32_MAX : v < -2147483648.0f ? INT32_MIN : static_cast<int32_t>(v);
  }
}

// out (B, C, R) = swap of the last two axes of x (B, R, C); ACC: out += instead of =.
template <bool ACC>
__global__ void transpose_kernel(float* __restrict__ out, const float* __restrict__ x, i64 B, i64 R, i64 C) {
  __shared__ float tile[32][33];
  const i64 nbr = (R + 31) / 32, nbc = (C + 31) / 32;
  for (i64 t = blockIdx.x; t < B * nbr * nbc; t += gridDim.x) {
    const i64 bb = t / (nbr * nbc), rb = (t / nbc) % nbr, cb = t % nbc;
    const float* xs = x + bb * R * C;
    float* os = out + bb * R * C;
    for (int k = threadIdx.y; k < 32; k += blockDim.y) {
      const i64 r = rb * 32 + k, c = cb * 32 + threadIdx.x;
      if (r < R && c < C) tile[k][threadIdx.x] = xs[r * C + c];
    }
    __syncthreads();
    for (int k = threadIdx.y; k < 32; k += blockDim.y) {
      const i64 c = cb * 32 + k, r = rb * 32 + threadIdx.x;
      if (r < R && c < C) {
        if (ACC) os[c * R + r] += tile[threadIdx.x][k];
        else os[c * R + r] = tile[threadIdx.x][k];
      }
    }
    __syncthreads();
  }
}

template <bool ACC>
void launch_transpose(float* out, const float* x, i64 B, i64 R, i64 C) {
  const i64 tiles = B * ((R + 31) / 32) * ((C + 31) / 32);
  if (tiles == 0) return;
  const unsigned grid = static_cast<unsigned>(tiles < (1 << 20) ? tiles : (1 << 20));
  transpose_kernel<ACC><<<grid, dim3(32, 8), 0, stream()>>>(out, x, B, R, C);
  launched("transpose");
}

}  // namespace

void unary(Unary op, float* out, const float* x, i64 n, const double* attrs) {
  if (n <= 0) return;
  const float a = static_cast<float>(attrs[0]), b = static_cast<float>(attrs[1]);
  switch (op) {
#define NG_U(name) case Unary::name: launch_unary<Unary::name>(out, x, n, a, b); break;
    NG_U(relu) NG_U(leaky_relu) NG_U(elu) NG_U(selu) NG_U(gelu) NG_U(gelu_tanh) NG_U(silu) NG_U(sigmoid) NG_U(tanh)
    NG_U(softplus) NG_U(hardswish) NG_U(neg) NG_U(exp) NG_U(log) NG_U(sqrt) NG_U(abs) NG_U(square) NG_U(add_scalar)
    NG_U(mul_scalar) NG_U(pow_scalar) NG_U(rdiv_scalar) NG_U(clamp) NG_U(neg_bwd) NG_U(mul_scalar_bwd) NG_U(add_into)
    NG_U(log1p) NG_U(sin) NG_U(cos)
#undef NG_U
    case Unary::copy:
      if (out != x) copy_device(out, x, static_cast<size_t>(n) * sizeof(float));
      return;
  }
  launched("unary");
}

void unary_bwd(UnaryBwd op, float* dx, const float* saved, const float* dout, i64 n, const double* attrs) {
  if (n <= 0) return;
  const float a = static_cast<float>(attrs[0]), b = static_cast<float>(attrs[1]);
  switch (op) {
#define NG_UB(name) case UnaryBwd::name: launch_unary_bwd<UnaryBwd::name>(dx, saved, dout, n, a, b); break;
    NG_UB(relu) NG_UB(leaky_relu) NG_UB(elu) NG_UB(selu) NG_UB(gelu) NG_UB(gelu_tanh) NG_UB(silu) NG_UB(sigmoid)
    NG_UB(tanh) NG_UB(softplus) NG_UB(hardswish) NG_UB(exp) NG_UB(log) NG_UB(sqrt) NG_UB(abs) NG_UB(square)
    NG_UB(pow_scalar) NG_UB(rdiv_scalar) NG_UB(clamp) NG_UB(log1p) NG_UB(sin) NG_UB(cos)
#undef NG_UB
  }
  launched("unary backward");
}

void binary(BinOp op, float* out, const float* a, const i64* as, const float* b, const i64* bs) {
  switch (op) {
    case BinOp::add: launch_binary<BinOp::add>(out, a, as, b, bs); break;
    case BinOp::sub: launch_binary<BinOp::sub>(out, a, as, b, bs); break;
    case BinOp::mul: launch_binary<BinOp::mul>(out, a, as, b, bs); break;
    case BinOp::div: launch_binary<BinOp::div>(out, a, as, b, bs); break;
  }
}

void binary_bwd(BinOp op, float* da, float* db, const float* dout, const float* a, const i64* as, const float* b,
                const i64* bs) {
  switch (op) {
    case BinOp::add: launch_binary_bwd<BinOp::add>(da, db, dout, a, as, b, bs); break;
    case BinOp::sub: launch_binary_bwd<BinOp::sub>(da, db, dout, a, as, b, bs); break;
    case BinOp::mul: launch_binary_bwd<BinOp::mul>(da, db, dout, a, as, b, bs); break;
    case BinOp::div: launch_binary_bwd<BinOp::div>(da, db, dout, a, as, b, bs); break;
  }
}

void transpose_forward(float* out, const float* x, i64 B, i64 R, i64 C) { launch_transpose<false>(out, x, B, R, C); }
// dx (B, R, C) += T(dout (B, C, R))
void transpose_backward(float* dx, const float* dout, i64 B, i64 R, i64 C) {
  launch_transpose<true>(dx, dout, B, C, R);
}

void compare_f32(float* out, const float* a, const i64* as, const float* b, const i64* bs, CompareOp op) {
  launch_compare(out, a, as, b, bs, op);
}

void compare_i32(float* out, const int32_t* a, const i64* as, const int32_t* b, const i64* bs, CompareOp op) {
  launch_compare(out, a, as, b, bs, op);
}

void where_forward(float* out, const float* cond, const float* a, const float* b, i64 n) {
  if (n <= 0) return;
  where_kernel<<<grid_for(n), kThreads, 0, stream()>>>(out, cond, a, b, n);
  launched("where");
}

void where_backward(float* da, float* db, const float* dout, const float* cond, i64 n) {
  if (n <= 0 || (!da && !db)) return;
  where_bwd_kernel<<<grid_for(n), kThreads, 0, stream()>>>(da, db, dout, cond, n);
  launched("where backward");
}

void cast_i32_to_f32(float* out, const int32_t* x, i64 n) {
  if (n <= 0) return;
  cast_to_f32_kernel<<<grid_for(n), kThreads, 0, stream()>>>(out, x, n);
  launched("cast");
}

void cast_f32_to_i32(int32_t* out, const float* x, i64 n) {
  if (n <= 0) return;
  cast_to_i32_kernel<<<grid_for(n), kThreads, 0, stream()>>>(out, x, n);
  launched("cast");
}

void permute_forward(float* out, const float* x, const ops::PermuteGeom& g) { launch_permute<false>(out, x, g); }

void permute_backward(float* dx, const float* dout, const ops::PermuteGeom& g) { launch_permute<true>(dx, dout, g); }

}  // namespace ng::cuda
