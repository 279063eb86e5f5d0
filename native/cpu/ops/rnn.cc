#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/rnn.h"

#include "cpu/gemm/gemm.h"
#include "cpu/ops/common.h"
#include "cpu/ops/isa_dispatch.h"

namespace ng::cpu {

namespace {

using i64 = int64_t;

using ng::ops::rnn_extra_per_row;

// The workspace of one direction: gates (T, B, G*H) after activation, h_prev (T, B, R), extra
// (T, B, E) (see rnn_extra_per_row in ops/kinds.h; R = rnn_state_size).
struct Work {
  float* gates;
  float* hprev;
  float* extra;
};
Work work_of(float* ws, const RnnGeom& g) {
  const i64 rows = g.T * g.B, GH = rnn_gate_count(g.mode) * g.H;
  return {ws, ws + rows * GH, ws + rows * GH + rows * rnn_state_size(g)};
}

// Time index of processing step s: forward runs t = 0..T-1, the reverse direction T-1..0.
inline i64 time_of(const RnnGeom& g, i64 s) { return g.dir == 1 ? g.T - 1 - s : s; }
inline bool valid(const int32_t* lengths, i64 b, i64 t) { return lengths == nullptr || t < lengths[b]; }

// ---- forward cell passes, one row of H ------------------------------------------------------
// Every row pointer addresses a distinct region (__restrict: the loops vectorize).
// pre: the input projection (G*H, in the gate area; overwritten with the activated gates),
// hg: h W_hh^T + b_hh (G*H), h / c: the running state (updated), hp: saved h_prev, ex: extra,
// y: the output row. PROJ (LSTM with a projection): o * tanh(c) goes to ex + 2H instead of
// h / y (h, hp, y unused; the caller projects and saves h_prev).

template <bool PROJ>
NG_ALWAYS_INLINE void lstm_row(float* __restrict pre, const float* __restrict hg, float* __restrict h, float* __restrict c, float* __restrict hp, float* __restrict ex, float* __restrict y,
                               i64 H) {
  float* cp = ex;
  float* tc = ex + H;
  float* m = ex + 2 * H;
  for (i64 j = 0; j < H; j++) {
    const float i = sigmoid_fast(pre[j] + hg[j]);
    const float f = sigmoid_fast(pre[H + j] + hg[H + j]);
    const float gg = tanh_fast(pre[2 * H + j] + hg[2 * H + j]);
    const float o = sigmoid_fast(pre[3 * H + j] + hg[3 * H + j]);
    const float cold = c[j];
    const float cnew = f * cold + i * gg;
    const float t = tanh_fast(cnew);
    const float hnew = o * t;
    pre[j] = i;
    pre[H + j] = f;
    pre[2 * H + j] = gg;
    pre[3 * H + j] = o;
    cp[j] = cold;
    tc[j] = t;
    c[j] = cnew;
    if (PROJ) {
      m[j] = hnew;
    } else {
      hp[j] = h[j];
      h[j] = hnew;
      y[j] = hnew;
    }
  }
}

NG_ALWAYS_INLINE void gru_row(float* __restrict pre, const float* __restrict hg, float* __restrict h, float* __restrict hp, float* __restrict ex, float* __restrict y, i64 H) {
  for (i64 j = 0; j < H; j++) {
    const float r = sigmoid_fast(pre[j] + hg[j]);
    const float z = sigmoid_fast(pre[H + j] + hg[H + j]);
    const float hn = hg[2 * H + j];
    const float n = tanh_fast(pre[2 * H + j] + r * hn);
    const float hold = h[j];
    const float hnew = (1.0f - z) * n + z * hold;
    pre[j] = r;
    pre[H + j] = z;
    pre[2 * H + j] = n;
    ex[j] = hn;
    hp[j] = hold;
    h[j] = hnew;
    y[j] = hnew;
  }
}

template <bool RELU>
NG_ALWAYS_INLINE void rnn_row(float* __restrict pre, const float* __restrict hg, float* __restrict h, float* __restrict hp, float* __restrict y, i64 H) {
  for (i64 j = 0; j < H; j++) {
    const float a = pre[j] + hg[j];
    const float hnew = RELU ? (a > 0.0f ? a : 0.0f) : tanh_fast(a);
    pre[j] = hnew;
    hp[j] = h[j];
    h[j] = hnew;
    y[j] = hnew;
  }
}

// ---- backward cell passes, one row ----------------------------------------------------------
// dh / dc: the running state gradients (dh is reset to the direct part, the step's sgemm adds
// dG_h W_hh), go: the output gradient row (may be null), dgi / dgh: gradients of the input and
// hidden pre-activations (the same array except for GRU).

NG_ALWAYS_INLINE void lstm_row_bwd(float* __restrict dgi, float* __restrict dh, float* __restrict dc, const float* __restrict go, const float* __restrict gates,
                                   const float* __restrict ex, i64 H) {
  const float* cp = ex;
  const float* tc = ex + H;
  for (i64 j = 0; j < H; j++) {
    const float dht = dh[j] + (go ? go[j] : 0.0f);
    const float i = gates[j], f = gates[H + j], gg = gates[2 * H + j], o = gates[3 * H + j];
    const float t = tc[j];
    const float dct = dc[j] + dht * o * (1.0f - t * t);
    dgi[j] = dct * gg * i * (1.0f - i);
    dgi[H + j] = dct * cp[j] * f * (1.0f - f);
    dgi[2 * H + j] = dct * i * (1.0f - gg * gg);
    dgi[3 * H + j] = dht * t * o * (1.0f - o);
    dc[j] = dct * f;
    dh[j] = 0.0f;
  }
}

NG_ALWAYS_INLINE void gru_row_bwd(float* __restrict dgi, float* __restrict dgh, float* __restrict dh, const float* __restrict go, const float* __restrict gates,
                                  const float* __restrict hp, const float* __restrict ex, i64 H) {
  for (i64 j = 0; j < H; j++) {
    const float dht = dh[j] + (go ? go[j] : 0.0f);
    const float r = gates[j], z = gates[H + j], n = gates[2 * H + j];
    const float dnp = dht * (1.0f - z) * (1.0f - n * n);
    const float dr = dnp * ex[j] * r * (1.0f - r);
    const float dz = dht * (hp[j] - n) * z * (1.0f - z);
    dgi[j] = dr;
    dgi[H + j] = dz;
    dgi[2 * H + j] = dnp;
    dgh[j] = dr;
    dgh[H + j] = dz;
    dgh[2 * H + j] = dnp * r;
    dh[j] = dht * z;
  }
}

template <bool RELU>
NG_ALWAYS_INLINE void rnn_row_bwd(float* __restrict dgi, float* __restrict dh, const float* __restrict go, const float* __restrict gates, i64 H) {
  for (i64 j = 0; j < H; j++) {
    const float dht = dh[j] + (go ? go[j] : 0.0f);
    const float y = gates[j];
    dgi[j] = RELU ? (y > 0.0f ? dht : 0.0f) : dht * (1.0f - y * y);
    dh[j] = 0.0f;
  }
}

// db (N) += column sums of A (M, N), in row order per column (double accumulation), threads
// own column blocks: identical for any thread count.
void add_column_sums(float* db, const float* A, i64 M, i64 N) {
  constexpr i64 kBlock = 64;
  const i64 nblk = (N + kBlock - 1) / kBlock;
  parallel_for(nblk, M * N >= kParallelMin && nblk > 1, [=](i64 blk) {
    const i64 c0 = blk * kBlock, len = std::min(kBlock, N - c0);
    double acc[kBlock];
    for (i64 j = 0; j < len; j++) acc[j] = 0.0;
    for (i64 r = 0; r < M; r++) {
      const float* a = A + r * N + c0;
      for (i64 j = 0; j < len; j++) acc[j] += a[j];
    }
    for (i64 j = 0; j < len; j++) db[c0 + j] += static_cast<float>(acc[j]);
  });
}

}  // namespace

int64_t rnn_scratch_floats(const RnnGeom& g, bool backward) {
  const i64 GH = rnn_gate_count(g.mode) * g.H, R = rnn_state_size(g);
  const bool proj = g.P > 0;
  if (!backward) return g.B * (GH + R + g.H + (proj ? R : 0));
  const i64 dg = g.T * g.B * GH;
  return (g.mode == RnnMode::gru ? 2 * dg : dg) + g.B * (R + g.H) + (proj ? g.T * g.B * R + g.B * g.H : 0);
}

void rnn_forward(float* out, float* hN, float* cN, float* ws, const float* x, const float* w_ih, const float* w_hh,
                 const float* b_ih, const float* b_hh, const float* h0, const float* c0, const int32_t* lengths,
                 const float* w_hr, const RnnGeom& g, float* scratch) {
  // out: (T, B, D*R) (columns dir*R..)  hN, h0: (B, R)  cN, c0: (B, H)  ws: rnn_workspace_floats
  // x: (T, B, I)  w_ih: (G*H, I)  w_hh: (G*H, R)  b_ih, b_hh: (G*H)  lengths: (B)  w_hr: (R, H)
  const i64 T = g.T, B = g.B, I = g.I, H = g.H, R = rnn_state_size(g), DR = g.D * R;
  const RnnMode mode = g.mode;
  const bool proj = g.P > 0;
  const i64 GH = rnn_gate_count(mode) * H, E = rnn_extra_per_row(mode, H, g.P);
  const Work w = work_of(ws, g);
  float* hg = scratch;
  float* h = hg + B * GH;
  float* c = h + B * R;
  float* hpr = c + B * H;  // the projected h of the step (proj only)
  const bool lstm = mode == RnnMode::lstm;
  for (i64 k = 0; k < B * R; k++) h[k] = h0 ? h0[k] : 0.0f;
  if (lstm)
    for (i64 k = 0; k < B * H; k++) c[k] = c0 ? c0[k] : 0.0f;
  const auto finish = [&] {
    for (i64 k = 0; k < B * R; k++) hN[k] = h[k];
    if (lstm)
      for (i64 k = 0; k < B * H; k++) cN[k] = c[k];
  };
  if (T == 0 || B == 0) {
    finish();
    return;
  }
  // The input projection of every step at once: gates = x W_ih^T + b_ih.
  GemmEpilogue ep_ih;
  ep_ih.bias = b_ih;
  sgemm(false, true, T * B, GH, I, 1.0f, x, I, w_ih, I, 0.0f, w.gates, GH, &ep_ih);
  GemmEpilogue ep_hh;
  ep_hh.bias = b_hh;
  float* outd = out + g.dir * R;
  for (i64 s = 0; s < T; s++) {
    const i64 t = time_of(g, s);
    // All gates of the step in one product: hg = h W_hh^T + b_hh.
    sgemm(false, true, B, GH, R, 1.0f, h, R, w_hh, R, 0.0f, hg, GH, &ep_hh);
    run_isa(B, GH * 8, [=](i64 b0, i64 b1) NG_INLINE_LAMBDA {
      for (i64 b = b0; b < b1; b++) {
        const i64 row = t * B + b;
        float* y = outd + row * DR;
        float* hp = w.hprev + row * R;
        float* ex = w.extra + row * E;
        if (!valid(lengths, b, t)) {  // past the row's length: output 0, state held
          for (i64 j = 0; j < R; j++) {
            y[j] = 0.0f;
            hp[j] = 0.0f;
          }
          if (proj)  // the backward's dW_hr product reads every row
            for (i64 j = 0; j < H; j++) ex[2 * H + j] = 0.0f;
          continue;
        }
        float* pre = w.gates + row * GH;
        const float* hgb = hg + b * GH;
        switch (mode) {
          case RnnMode::lstm:
            if (proj) {
              for (i64 j = 0; j < R; j++) hp[j] = h[b * R + j];
              lstm_row<true>(pre, hgb, nullptr, c + b * H, nullptr, ex, nullptr, H);
            } else {
              lstm_row<false>(pre, hgb, h + b * H, c + b * H, hp, ex, y, H);
            }
            break;
          case RnnMode::gru: gru_row(pre, hgb, h + b * H, hp, ex, y, H); break;
          case RnnMode::rnn_tanh: rnn_row<false>(pre, hgb, h + b * H, hp, y, H); break;
          case RnnMode::rnn_relu: rnn_row<true>(pre, hgb, h + b * H, hp, y, H); break;
        }
      }
    });
    if (proj) {
      // h = (o * tanh(c)) W_hr^T for the whole step, then the valid rows take it.
      sgemm(false, true, B, R, H, 1.0f, w.extra + t * B * E + 2 * H, E, w_hr, H, 0.0f, hpr, R);
      for (i64 b = 0; b < B; b++) {
        if (!valid(lengths, b, t)) continue;
        float* y = outd + (t * B + b) * DR;
        for (i64 j = 0; j < R; j++) {
          h[b * R + j] = hpr[b * R + j];
          y[j] = hpr[b * R + j];
        }
      }
    }
  }
  finish();
}

void rnn_backward(float* dx, float* dw_ih, float* dw_hh, float* db_ih, float* db_hh, float* dh0, float* dc0,
                  const float* dout, const float* dhN, const float* dcN, const float* ws, const float* x,
                  const float* w_ih, const float* w_hh, const int32_t* lengths, float* dw_hr, const float* w_hr,
                  const RnnGeom& g, float* scratch) {
  // dx, x: (T, B, I)  dw_ih, w_ih: (G*H, I)  dw_hh, w_hh: (G*H, R)  db_*: (G*H)  dw_hr, w_hr: (R, H)
  // dh0, dhN: (B, R)  dc0, dcN: (B, H)  dout: (T, B, D*R)  ws: as written by rnn_forward
  const i64 T = g.T, B = g.B, I = g.I, H = g.H, R = rnn_state_size(g), DR = g.D * R;
  const RnnMode mode = g.mode;
  const bool proj = g.P > 0;
  const i64 GH = rnn_gate_count(mode) * H, E = rnn_extra_per_row(mode, H, g.P), rows = T * B;
  const Work w = work_of(const_cast<float*>(ws), g);
  const bool lstm = mode == RnnMode::lstm, gru = mode == RnnMode::gru;
  float* dgi = scratch;
  float* dgh = gru ? dgi + rows * GH : dgi;
  float* dh = dgh + rows * GH;
  float* dc = dh + B * R;
  float* dht = dc + B * H;     // proj: the gradient of every step's projected h (T, B, R)
  float* dm = dht + rows * R;  // proj: the step's gradient of o * tanh(c) (B, H)
  for (i64 k = 0; k < B * R; k++) dh[k] = dhN ? dhN[k] : 0.0f;
  for (i64 k = 0; k < B * H; k++) dc[k] = lstm && dcN ? dcN[k] : 0.0f;
  const float* doutd = dout ? dout + g.dir * R : nullptr;
  for (i64 s = T - 1; s >= 0; s--) {
    const i64 t = time_of(g, s);
    if (proj) {
      // dh_t (state + output gradient) of the step, then dm = dh_t W_hr.
      for (i64 b = 0; b < B; b++) {
        const i64 row = t * B + b;
        float* d = dht + row * R;
        const bool on = valid(lengths, b, t);
        const float* go = doutd ? doutd + row * DR : nullptr;
        for (i64 j = 0; j < R; j++) {
          d[j] = on ? dh[b * R + j] + (go ? go[j] : 0.0f) : 0.0f;
          if (on) dh[b * R + j] = 0.0f;
        }
      }
      sgemm(false, false, B, H, R, 1.0f, dht + t * B * R, R, w_hr, H, 0.0f, dm, H);
    }
    run_isa(B, GH * 8, [=](i64 b0, i64 b1) NG_INLINE_LAMBDA {
      for (i64 b = b0; b < b1; b++) {
        const i64 row = t * B + b;
        float* gi = dgi + row * GH;
        float* gh = dgh + row * GH;
        if (!valid(lengths, b, t)) {  // no step here: no gate gradient, state gradients held
          for (i64 j = 0; j < GH; j++) gi[j] = 0.0f;
          if (gru)
            for (i64 j = 0; j < GH; j++) gh[j] = 0.0f;
          continue;
        }
        const float* go = doutd ? doutd + row * DR : nullptr;
        const float* gates = w.gates + row * GH;
        const float* ex = w.extra + row * E;
        switch (mode) {
          case RnnMode::lstm:
            if (proj) lstm_row_bwd(gi, dm + b * H, dc + b * H, nullptr, gates, ex, H);
            else lstm_row_bwd(gi, dh + b * H, dc + b * H, go, gates, ex, H);
            break;
          case RnnMode::gru: gru_row_bwd(gi, gh, dh + b * H, go, gates, w.hprev + row * H, ex, H); break;
          case RnnMode::rnn_tanh: rnn_row_bwd<false>(gi, dh + b * H, go, gates, H); break;
          case RnnMode::rnn_relu: rnn_row_bwd<true>(gi, dh + b * H, go, gates, H); break;
        }
      }
    });
    // dh_prev += dG_h W_hh (rows past their length have dG_h = 0: their dh is unchanged).
    sgemm(false, false, B, R, GH, 1.0f, dgh + t * B * GH, GH, w_hh, R, 1.0f, dh, R);
  }
  if (rows > 0) {
    if (dx) sgemm(false, false, rows, I, GH, 1.0f, dgi, GH, w_ih, I, 1.0f, dx, I);
    if (dw_ih) sgemm(true, false, GH, I, rows, 1.0f, dgi, GH, x, I, 1.0f, dw_ih, I);
    if (dw_hh) sgemm(true, false, GH, R, rows, 1.0f, dgh, GH, w.hprev, R, 1.0f, dw_hh, R);
    if (proj && dw_hr) sgemm(true, false, R, H, rows, 1.0f, dht, R, w.extra + 2 * H, E, 1.0f, dw_hr, H);
    if (db_ih) add_column_sums(db_ih, dgi, rows, GH);
    if (db_hh) add_column_sums(db_hh, dgh, rows, GH);
  }
  if (dh0)
    for (i64 k = 0; k < B * R; k++) dh0[k] += dh[k];
  if (lstm && dc0)
    for (i64 k = 0; k < B * H; k++) dc0[k] += dc[k];
}

}  // namespace ng::cpu
