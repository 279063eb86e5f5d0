// Kind helpers for the recurrent layers (i14-rnn): one layer, one direction over time.
//   rnn      rnnForward(out, hN, cN|null, ws, x, wIh, wHh, bIh|null, bHh|null, h0|null, c0|null, lengths|null,
//                       mode, T, B, I, H, D, dir[, wHr|null, P])
//   rnn_bwd  rnnBackward(dx|null, dwIh|null, dwHh|null, dbIh|null, dbHh|null, dh0|null, dc0|null,
//                        dout|null, dhN|null, dcN|null, ws, x, wIh, wHh, lengths|null, mode, T, B, I, H, D, dir
//                        [, dwHr|null, wHr|null, P])
// mode: 0 LSTM, 1 GRU, 2 RNN tanh, 3 RNN relu; P: LSTM projection size (optional, 0 = none, else
// in [1, H - 1]; wHr (P, H) required then), R = P or H; x (T, B, I); out / dout (T, B, D*R);
// h states (B, R), c states (B, H); wIh (G*H, I), wHh (G*H, R), biases (G*H) with G = 4 / 3 / 1;
// ws holds T*B*(G*H + R + E) floats (E = 2H LSTM (3H with P), H GRU, 0 RNN), written by the
// forward and read by the backward; cN is required for LSTM. lengths (Int32Array, B) are
// scanned: each in [1, T].
#include <new>
#include <string>

#include "binding/kind.h"

namespace ng::binding {

using ops::Kind;
using ops::RnnGeom;
using ops::RnnMode;

namespace {

RnnGeom rnn_geom(const Napi::CallbackInfo& info, size_t i, size_t p_at) {
  RnnGeom g;
  g.mode = static_cast<RnnMode>(int_in(info, i, "mode", 0, 3));
  g.T = size_arg(info, i + 1, "T");
  g.B = size_arg(info, i + 2, "B");
  g.I = int_arg(info, i + 3, "I", 1);
  g.H = int_arg(info, i + 4, "H", 1);
  g.D = int_in(info, i + 5, "D", 1, 2);
  g.dir = int_in(info, i + 6, "dir", 0, g.D - 1);
  g.P = 0;
  if (!info[p_at].IsUndefined()) {
    g.P = g.mode == RnnMode::lstm ? int_in(info, p_at, "P", 0, g.H - 1) : int_in(info, p_at, "P (LSTM only)", 0, 0);
  }
  // Every size product the kernel forms must fit (T*B*D*H, T*B*G*H, G*H*I, the workspace).
  count(info, {g.T, g.B, g.D * g.H + g.I + 8 * g.H}, "T * B * (D*H + I + 8H)");
  count(info, {ops::rnn_gate_count(g.mode) * g.H, g.I + g.H}, "G*H * (I + H)");
  return g;
}

const int32_t* lengths_arg(const Napi::CallbackInfo& info, size_t i, const RnnGeom& g) {
  if (is_nullish(info[i])) return nullptr;
  const int32_t* dev_len = i32(info, i, "lengths", static_cast<size_t>(g.B));
  std::vector<int32_t> storage;
  const int32_t* len = host_view(dev_len, g.B, storage);
  for (int64_t b = 0; b < g.B; b++) {
    if (len[b] < 1 || len[b] > g.T) {
      throw Napi::RangeError::New(info.Env(), expected_msg("integer in [1, " + std::to_string(g.T) + "]",
                                                           "lengths[" + std::to_string(b) + "]",
                                                           std::to_string(len[b])));
    }
  }
  return dev_len;
}

struct Sizes {
  size_t x, out, state, cstate, wih, whh, bias, ws, whr;
};

Sizes sizes_of(const Napi::CallbackInfo& info, const RnnGeom& g) {
  const int64_t GH = ops::rnn_gate_count(g.mode) * g.H;
  Sizes s;
  s.x = count(info, {g.T, g.B, g.I}, "x");
  const int64_t R = ops::rnn_state_size(g);
  s.out = count(info, {g.T, g.B, g.D * R}, "out");
  s.state = count(info, {g.B, R}, "state");
  s.cstate = count(info, {g.B, g.H}, "cstate");
  s.wih = count(info, {GH, g.I}, "wIh");
  s.whh = count(info, {GH, R}, "wHh");
  s.whr = count(info, {g.P, g.H}, "wHr");
  s.bias = static_cast<size_t>(GH);
  s.ws = static_cast<size_t>(ops::rnn_workspace_floats(g));
  return s;
}

void out_of_memory(const Napi::CallbackInfo& info) {
  throw Napi::RangeError::New(info.Env(), expected_msg("a size that fits in memory", "T * B * hidden",
                                                       "too many floats of scratch"));
}

}  // namespace

Napi::Value kind_rnn(const Napi::CallbackInfo& info) {
  const RnnGeom g = rnn_geom(info, 12, 20);
  const Sizes s = sizes_of(info, g);
  const bool lstm = g.mode == RnnMode::lstm;
  float* out = f32(info, 0, "out", s.out);
  float* hN = f32(info, 1, "hN", s.state);
  float* cN = lstm ? f32(info, 2, "cN", s.cstate) : f32_or_null(info, 2, "cN", s.cstate);
  float* ws = f32(info, 3, "ws", s.ws);
  const float* x = f32(info, 4, "x", s.x);
  const float* wih = f32(info, 5, "wIh", s.wih);
  const float* whh = f32(info, 6, "wHh", s.whh);
  const float* bih = f32_or_null(info, 7, "bIh", s.bias);
  const float* bhh = f32_or_null(info, 8, "bHh", s.bias);
  const float* h0 = f32_or_null(info, 9, "h0", s.state);
  const float* c0 = f32_or_null(info, 10, "c0", s.cstate);
  const int32_t* len = lengths_arg(info, 11, g);
  const float* whr = g.P > 0 ? f32(info, 19, "wHr", s.whr) : nullptr;
  try {
    kernel<Kind::rnn>(info)(out, hN, cN, ws, x, wih, whh, bih, bhh, h0, c0, len, whr, g);
  } catch (const std::bad_alloc&) {
    out_of_memory(info);
  }
  return undef(info);
}

Napi::Value kind_rnn_bwd(const Napi::CallbackInfo& info) {
  const RnnGeom g = rnn_geom(info, 15, 24);
  const Sizes s = sizes_of(info, g);
  float* dx = f32_or_null(info, 0, "dx", s.x);
  float* dwih = f32_or_null(info, 1, "dwIh", s.wih);
  float* dwhh = f32_or_null(info, 2, "dwHh", s.whh);
  float* dbih = f32_or_null(info, 3, "dbIh", s.bias);
  float* dbhh = f32_or_null(info, 4, "dbHh", s.bias);
  float* dh0 = f32_or_null(info, 5, "dh0", s.state);
  float* dc0 = f32_or_null(info, 6, "dc0", s.cstate);
  const float* dout = f32_or_null(info, 7, "dout", s.out);
  const float* dhN = f32_or_null(info, 8, "dhN", s.state);
  const float* dcN = f32_or_null(info, 9, "dcN", s.cstate);
  const float* ws = f32(info, 10, "ws", s.ws);
  const float* x = f32(info, 11, "x", s.x);
  const float* wih = f32(info, 12, "wIh", s.wih);
  const float* whh = f32(info, 13, "wHh", s.whh);
  const int32_t* len = lengths_arg(info, 14, g);
  float* dwhr = g.P > 0 ? f32_or_null(info, 22, "dwHr", s.whr) : nullptr;
  const float* whr = g.P > 0 ? f32(info, 23, "wHr", s.whr) : nullptr;
  try {
    kernel<Kind::rnn_bwd>(info)(dx, dwih, dwhh, dbih, dbhh, dh0, dc0, dout, dhN, dcN, ws, x, wih, whh, len, dwhr, whr, g);
  } catch (const std::bad_alloc&) {
    out_of_memory(info);
  }
  return undef(info);
}

}  // namespace ng::binding
