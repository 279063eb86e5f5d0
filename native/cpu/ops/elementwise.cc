// Elementwise kernels. Broadcasting: shapes are first collapsed (size-1 output dims dropped,
// neighbouring dims with the same broadcast pattern merged), so most cases become a flat loop,
// a row-vector or a column-vector loop; the rest is a strided loop over <= 4 dims.
#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/elementwise.h"

#include <algorithm>
#include <cmath>

#include "cpu/ops/broadcast.h"
#include "cpu/ops/common.h"
#include "cpu/ops/isa_dispatch.h"

namespace ng::cpu {

namespace {

using Geom = BroadcastGeom;

template <int OP>
inline float apply(float a, float b) {
  if constexpr (OP == 0) return a + b;
  else if constexpr (OP == 1) return a - b;
  else if constexpr (OP == 2) return a * b;
  else if constexpr (OP == 3) return a / b;
  else {
    const float s = a + b;
    return s > 0.0f ? s : 0.0f;  // as relu_forward
  }
}

// d out / d a (WHICH = 0) or d out / d b (WHICH = 1), times g.
template <int OP, int WHICH>
inline float deriv(float g, float a, float b) {
  if constexpr (OP == 0) return g;
  else if constexpr (OP == 1) return WHICH == 0 ? g : -g;
  else if constexpr (OP == 2) return WHICH == 0 ? g * b : g * a;
  else if constexpr (OP == 3) return WHICH == 0 ? g / b : -g * a / (b * b);
  else return 0.0f + (a + b > 0.0f ? g : 0.0f);  // relu_backward_init's bits (add passes it on)
}

template <int OP>
void forward_impl(float* out, const float* a, const float* b, const Geom& g) {
  broadcast_map(out, a, b, g, [](float x, float y) { return apply<OP>(x, y); });
}

// Elements of operand WHICH's gradient (the dims along which it is not broadcast).
template <int WHICH>
int64_t target_numel(const Geom& g) {
  const int64_t* st = WHICH == 0 ? g.sa : g.sb;
  int64_t n = 1;
  for (int k = 0; k < 4; k++) if (st[k] != 0) n *= g.dim[k];
  return n;
}

// Accumulates the gradient of operand WHICH into t (which has that operand's shape); INIT (a
// full-shape target only: each element is produced once) writes it as 0 + v instead, the bits
// of accumulating into zeros.
template <int OP, int WHICH, bool INIT = false>
void backward_impl(float* t, const float* dout, const float* a, const float* b, const Geom& g) {
  const int64_t* st = WHICH == 0 ? g.sa : g.sb;
  // Full-shape target: no two output elements share a target element -> parallel-safe.
  const bool full = target_numel<WHICH>(g) == g.numel;
  (void)full;  // only read by the OpenMP clause
  // a/b may be null for add/sub: use a dummy pointer that is never dereferenced.
  static const float kZero = 0.0f;
  const float* A = a ? a : &kZero;
  const float* B = b ? b : &kZero;
  const int64_t sa0 = a ? g.sa[0] : 0, sa1 = a ? g.sa[1] : 0, sa2 = a ? g.sa[2] : 0, sa3 = a ? g.sa[3] : 0;
  const int64_t sb0 = b ? g.sb[0] : 0, sb1 = b ? g.sb[1] : 0, sb2 = b ? g.sb[2] : 0, sb3 = b ? g.sb[3] : 0;
  const int64_t n3 = g.dim[3], st3 = st[3];
  const int64_t outer = g.dim[0] * g.dim[1] * g.dim[2];
  parallel_for(outer, full && g.numel >= kParallelMin, [=](int64_t o) {
    const int64_t i2 = o % g.dim[2], i1 = (o / g.dim[2]) % g.dim[1], i0 = o / (g.dim[2] * g.dim[1]);
    const float* ap = A + i0 * sa0 + i1 * sa1 + i2 * sa2;
    const float* bp = B + i0 * sb0 + i1 * sb1 + i2 * sb2;
    float* tp = t + i0 * st[0] + i1 * st[1] + i2 * st[2];
    const float* dp = dout + o * n3;
    if (st3 == 1) {
      if (sa3 == 1 && sb3 == 1) {
        for (int64_t i = 0; i < n3; i++) tp[i] = (INIT ? 0.0f : tp[i]) + deriv<OP, WHICH>(dp[i], ap[i], bp[i]);
      } else if (sb3 == 0) {
        const float bv = bp[0];
        for (int64_t i = 0; i < n3; i++) tp[i] = (INIT ? 0.0f : tp[i]) + deriv<OP, WHICH>(dp[i], ap[i * sa3], bv);
      } else {
        const float av = ap[0];
        for (int64_t i = 0; i < n3; i++) tp[i] = (INIT ? 0.0f : tp[i]) + deriv<OP, WHICH>(dp[i], av, bp[i * sb3]);
      }
    } else {
      float acc = 0.0f;
      for (int64_t i = 0; i < n3; i++) acc += deriv<OP, WHICH>(dp[i], ap[i * sa3], bp[i * sb3]);
      tp[0] = (INIT ? 0.0f : tp[0]) + acc;
    }
  });
}

// One operand's gradient; init: written (a full-shape target in one pass, a broadcast one, which
// sums several outputs per element, zeroed first).
template <int OP, int WHICH>
void backward_target(float* t, const float* dout, const float* a, const float* b, const Geom& g, bool init) {
  const int64_t n = target_numel<WHICH>(g);
  if (g.numel == 0) {  // an empty result: no gradient flows (the loops below would still walk the other dims)
    if (init) std::fill(t, t + n, 0.0f);
    return;
  }
  if (init && n == g.numel) {
    backward_impl<OP, WHICH, true>(t, dout, a, b, g);
    return;
  }
  if (init) std::fill(t, t + n, 0.0f);
  backward_impl<OP, WHICH>(t, dout, a, b, g);
}

// add_relu with both gradients full-shape (a residual join): the masked gradient computed once
// and written to both in one pass (the per-operand passes would read dout, a and b twice); the
// bits of backward_target for each.
void add_relu_backward_full(float* da, float* db, const float* dout, const float* a, const float* b, int64_t n,
                            bool init) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float m = deriv<4, 0>(dout[i], a[i], b[i]);
    da[i] = (init ? 0.0f : da[i]) + m;
    db[i] = (init ? 0.0f : db[i]) + m;
  });
}

template <int OP>
void backward_op(float* da, float* db, const float* dout, const float* a, const float* b,
                 const Geom& g, bool init) {
  if (da) backward_target<OP, 0>(da, dout, a, b, g, init);
  if (db) backward_target<OP, 1>(db, dout, a, b, g, init);
}

}  // namespace

bool broadcast_shape(int64_t out_shape[4], const int64_t a_shape[4], const int64_t b_shape[4]) {
  int64_t o[4];
  for (int k = 0; k < 4; k++) {
    const int64_t x = a_shape[k], y = b_shape[k];
    if (x != y && x != 1 && y != 1) return false;
    o[k] = x == 1 ? y : x;
  }
  for (int k = 0; k < 4; k++) out_shape[k] = o[k];
  return true;
}

void binary_forward(BinaryOp op, float* out, const float* a, const int64_t a_shape[4],
                    const float* b, const int64_t b_shape[4]) {
  // out: broadcast(a_shape, b_shape)  a: a_shape  b: b_shape
  const Geom g = make_broadcast_geom(a_shape, b_shape);
  switch (op) {
    case BinaryOp::add: forward_impl<0>(out, a, b, g); break;
    case BinaryOp::sub: forward_impl<1>(out, a, b, g); break;
    case BinaryOp::mul: forward_impl<2>(out, a, b, g); break;
    case BinaryOp::div: forward_impl<3>(out, a, b, g); break;
    case BinaryOp::add_relu: forward_impl<4>(out, a, b, g); break;
  }
}

void binary_backward(BinaryOp op, float* da, float* db, const float* dout, const float* a,
                     const int64_t a_shape[4], const float* b, const int64_t b_shape[4], bool init) {
  // da: a_shape  db: b_shape  dout: broadcast(a_shape, b_shape)
  const Geom g = make_broadcast_geom(a_shape, b_shape);
  switch (op) {
    case BinaryOp::add: backward_op<0>(da, db, dout, a, b, g, init); break;
    case BinaryOp::sub: backward_op<1>(da, db, dout, a, b, g, init); break;
    case BinaryOp::mul: backward_op<2>(da, db, dout, a, b, g, init); break;
    case BinaryOp::div: backward_op<3>(da, db, dout, a, b, g, init); break;
    case BinaryOp::add_relu:
      if (da && db && g.numel > 0 && target_numel<0>(g) == g.numel && target_numel<1>(g) == g.numel)
        add_relu_backward_full(da, db, dout, a, b, g.numel, init);
      else
        backward_op<4>(da, db, dout, a, b, g, init);
      break;
  }
}


void add_scalar_forward(float* out, const float* inp, int64_t n, float s) {
  // out, inp: (n,)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = inp[i] + s; });
}
void mul_scalar_forward(float* out, const float* inp, int64_t n, float s) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = inp[i] * s; });
}
void mul_scalar_backward(float* dinp, const float* dout, int64_t n, float s) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] += dout[i] * s; });
}
void pow_scalar_forward(float* out, const float* inp, int64_t n, float s) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = std::pow(inp[i], s); });
}
void pow_scalar_backward(float* dinp, const float* inp, const float* dout, int64_t n, float s) {
  // d/dx x^s = s x^(s-1); s == 0 gives 0 everywhere (PyTorch)
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    dinp[i] += s == 0.0f ? 0.0f : dout[i] * s * std::pow(inp[i], s - 1.0f);
  });
}
void rdiv_scalar_forward(float* out, const float* inp, int64_t n, float s) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = s / inp[i]; });
}
void rdiv_scalar_backward(float* dinp, const float* inp, const float* dout, int64_t n, float s) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] -= dout[i] * s / (inp[i] * inp[i]); });
}

void neg_forward(float* out, const float* inp, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = -inp[i]; });
}
void neg_backward(float* dinp, const float* dout, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] -= dout[i]; });
}
void exp_forward(float* out, const float* inp, int64_t n) {
  run_isa(n, 8, [=](int64_t i0, int64_t i1) NG_INLINE_LAMBDA {
    for (int64_t i = i0; i < i1; i++) out[i] = exp_fast(inp[i]);
  });
}
void exp_backward(float* dinp, const float* out, const float* dout, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] += dout[i] * out[i]; });
}
void log_forward(float* out, const float* inp, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = std::log(inp[i]); });
}
void log_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] += dout[i] / inp[i]; });
}
void sqrt_forward(float* out, const float* inp, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = std::sqrt(inp[i]); });
}
void sqrt_backward(float* dinp, const float* out, const float* dout, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] += dout[i] * 0.5f / out[i]; });
}
void abs_forward(float* out, const float* inp, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = std::fabs(inp[i]); });
}
void abs_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float x = inp[i], g = dout[i];
    dinp[i] += x > 0.0f ? g : (x < 0.0f ? -g : 0.0f);
  });
}
void log1p_forward(float* out, const float* inp, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = std::log1p(inp[i]); });
}
void log1p_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] += dout[i] / (1.0f + inp[i]); });
}
void sin_forward(float* out, const float* inp, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = std::sin(inp[i]); });
}
void sin_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] += dout[i] * std::cos(inp[i]); });
}
void cos_forward(float* out, const float* inp, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = std::cos(inp[i]); });
}
void cos_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] -= dout[i] * std::sin(inp[i]); });
}
void square_forward(float* out, const float* inp, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { out[i] = inp[i] * inp[i]; });
}
void square_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dinp[i] += 2.0f * inp[i] * dout[i]; });
}
void clamp_forward(float* out, const float* inp, int64_t n, float lo, float hi) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float x = inp[i];
    out[i] = x < lo ? lo : (x > hi ? hi : x);
  });
}
void clamp_backward(float* dinp, const float* inp, const float* dout, int64_t n, float lo, float hi) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) {
    const float x = inp[i], g = dout[i];
    dinp[i] += (x >= lo && x <= hi) ? g : 0.0f;
  });
}

void add_inplace(float* dst, const float* src, int64_t n) {
  parallel_for(n, n >= kParallelMin, [=](int64_t i) { dst[i] += src[i]; });
}
void copy_f32(float* dst, const float* src, int64_t n) {
  if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}


}  // namespace ng::cpu
