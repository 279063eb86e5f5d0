// The kernel type of each signature kind: what a backend implements for an op of that kind.
// Plain C++ (no N-API): pointers are already unwrapped and length-checked by the kind's binding
// helper (native/binding/kind_*.cc). Attributes (the params after the arrays in op_table.h)
// arrive as `const double* attrs` in row order. Enumerations shared by every backend and
// mirrored in TypeScript (lib/ops/codes.ts) live here too.
#pragma once
#include <cstdint>

#include "ops/op_table.h"

namespace ng::ops {

// Loss reductions. batchmean (KL divergence only) divides the sum by the batch size.
enum class Reduction : int { none = 0, mean = 1, sum = 2, batchmean = 3 };
constexpr const char* kReductionNames[] = {"none", "mean", "sum", "batchmean"};

// Activations fused into linear (and GEMM's epilogue: none and relu only).
enum class LinearAct : int { none = 0, relu = 1, sigmoid = 2, tanh = 3, gelu = 4, gelu_tanh = 5 };
constexpr const char* kLinearActNames[] = {"none", "relu", "sigmoid", "tanh", "gelu", "geluTanh"};
constexpr int kLinearActCount = sizeof(kLinearActNames) / sizeof(kLinearActNames[0]);

template <Kind K>
struct KindFn;

#define NG_KIND_FN(kind, ...)          \
  template <>                          \
  struct KindFn<Kind::kind> {          \
    using type = __VA_ARGS__;          \
  };

using i64 = int64_t;
using cf = const float;
using Shape4 = const int64_t*;  // 4 dims, padded with leading 1s

NG_KIND_FN(pointwise, void (*)(float* out, cf* x, i64 n, const double* attrs))
NG_KIND_FN(pointwise_bwd, void (*)(float* dx, cf* saved, cf* dout, i64 n, const double* attrs))
NG_KIND_FN(binary, void (*)(float* out, cf* a, Shape4 as, cf* b, Shape4 bs))
NG_KIND_FN(binary_bwd, void (*)(float* da, float* db, cf* dout, cf* a, Shape4 as, cf* b, Shape4 bs))
NG_KIND_FN(rows, void (*)(float* out, cf* x, i64 N, i64 C))
NG_KIND_FN(rows_bwd, void (*)(float* dx, cf* out, cf* dout, i64 N, i64 C))
NG_KIND_FN(reduce, void (*)(float* out, cf* x, i64 outer, i64 dim, i64 inner))
NG_KIND_FN(reduce_bwd, void (*)(float* dx, cf* dout, i64 outer, i64 dim, i64 inner))
NG_KIND_FN(reduce_index, void (*)(float* out, int32_t* idx, cf* x, i64 outer, i64 dim, i64 inner))
NG_KIND_FN(reduce_index_bwd, void (*)(float* dx, cf* dout, const int32_t* idx, i64 outer, i64 dim, i64 inner))
NG_KIND_FN(argmax, void (*)(int32_t* idx, cf* x, i64 outer, i64 dim, i64 inner))
NG_KIND_FN(linear, void (*)(float* out, float* pre, cf* x, cf* w, cf* bias, i64 B, i64 C, i64 OC, LinearAct act))
NG_KIND_FN(linear_bwd, void (*)(float* dx, float* dw, float* db, cf* dout, cf* x, cf* w, cf* out, cf* pre, i64 B,
                                i64 C, i64 OC, LinearAct act))
NG_KIND_FN(layer_norm, void (*)(float* out, float* mean, float* rstd, cf* x, cf* w, cf* b, i64 N, i64 C, float eps))
NG_KIND_FN(layer_norm_bwd, void (*)(float* dx, float* dw, float* db, cf* dout, cf* x, cf* w, cf* mean, cf* rstd,
                                    i64 N, i64 C))
NG_KIND_FN(batch_norm, void (*)(float* out, float* mean, float* rstd, float* running_mean, float* running_var,
                                cf* x, cf* w, cf* b, i64 N, i64 C, i64 L, float eps, float momentum, bool training))
NG_KIND_FN(batch_norm_bwd, void (*)(float* dx, float* dw, float* db, cf* dout, cf* x, cf* w, cf* mean, cf* rstd,
                                    i64 N, i64 C, i64 L, bool training))
// BatchNorm, a residual added, then ReLU: out = max(bn(x) + residual, 0) (a residual block's join).
NG_KIND_FN(batch_norm_add, void (*)(float* out, float* mean, float* rstd, float* running_mean, float* running_var,
                                    cf* x, cf* residual, cf* w, cf* b, i64 N, i64 C, i64 L, float eps, float momentum,
                                    bool training))
// BatchNorm with a fused ReLU: out is the forward's output (its > 0 mask gates dout).
// dres (or null): the residual's gradient of batchNormAddReluForward (dout masked by out).
NG_KIND_FN(batch_norm_relu_bwd, void (*)(float* dx, float* dw, float* db, cf* dout, cf* x, cf* w, cf* mean,
                                         cf* rstd, cf* out, i64 N, i64 C, i64 L, bool training, float* dres))
// mask: exactly one of mask_u8 (1 kept / 0 dropped) and mask_f32 (0 or 1/(1-p)) is non-null.
NG_KIND_FN(dropout, void (*)(float* out, uint8_t* mask_u8, float* mask_f32, cf* x, i64 n, float p, uint64_t seed,
                             uint64_t offset))
NG_KIND_FN(dropout_bwd, void (*)(float* dx, cf* dout, const uint8_t* mask_u8, cf* mask_f32, i64 n, float p))
// Image geometry (NCHW), filled in by the kind helpers (which also derive the output size).
struct Conv2dGeom {
  i64 N, C, H, W;  // input (N, C, H, W)
  i64 OC, KH, KW;  // weight (OC, C / groups, KH, KW)
  i64 sh, sw;      // stride >= 1
  i64 ph, pw;      // zero padding >= 0 on each side
  i64 dh, dw;      // dilation >= 1
  i64 groups;      // divides C and OC
  i64 OH, OW;      // output (N, OC, OH, OW), >= 1
};
struct Pool2dGeom {
  i64 NC, H, W;  // NC = N * C planes of H x W
  i64 KH, KW;    // window
  i64 sh, sw;    // stride >= 1
  i64 ph, pw;    // implicit padding, at most half the (dilated) window
  i64 dh, dw;    // dilation (1 for average pooling)
  i64 OH, OW;    // output size (floor or ceil mode), >= 1
};
// PyTorch's output sizes. conv: floor((in + 2 pad - dil (k - 1) - 1) / stride) + 1, <= 0 when
// the dilated kernel does not fit in the padded input. pool: floor or ceil; in ceil mode the last
// window must start inside the input or its left padding.
inline i64 conv_out_size(i64 in, i64 k, i64 stride, i64 pad, i64 dil) {
  const i64 span = in + 2 * pad - dil * (k - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}
inline i64 pool_out_size(i64 in, i64 k, i64 stride, i64 pad, i64 dil, bool ceil_mode) {
  const i64 span = in + 2 * pad - dil * (k - 1) - 1;
  if (span < 0) return 0;
  i64 out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) out--;
  return out;
}
// Activations fused into conv2d's GEMM epilogue.
enum class ConvAct : int { none = 0, relu = 1 };

NG_KIND_FN(conv2d, void (*)(float* out, cf* x, cf* w, cf* bias, const Conv2dGeom& g, ConvAct act))
// out (post-activation) is read for relu; dx, dw, db may be null; all accumulate.
NG_KIND_FN(conv2d_bwd, void (*)(float* dx, float* dw, float* db, cf* dout, cf* x, cf* w, cf* out, const Conv2dGeom& g,
                                ConvAct act))
NG_KIND_FN(max_pool2d, void (*)(float* out, int32_t* idx, cf* x, const Pool2dGeom& g))
NG_KIND_FN(max_pool2d_bwd, void (*)(float* dx, cf* dout, const int32_t* idx, const Pool2dGeom& g))
NG_KIND_FN(avg_pool2d, void (*)(float* out, cf* x, const Pool2dGeom& g, bool count_include_pad))
NG_KIND_FN(avg_pool2d_bwd, void (*)(float* dx, cf* dout, const Pool2dGeom& g, bool count_include_pad))
// i13-inf (inference): out (N, OC, OH / 2, OW / 2) = MaxPool2d(2) of act(conv2d(x)).
NG_KIND_FN(conv2d_maxpool2, void (*)(float* out, cf* x, cf* w, cf* bias, const Conv2dGeom& g, ConvAct act))
// Inference: an identity residual block with its BatchNorms folded, out = relu(x + b2 +
// conv2(relu(b1 + conv1(x)))): g1 C -> mid and g2 mid -> C, both stride 1 keeping H x W; out may
// be x itself; b1, b2 may be null.
NG_KIND_FN(conv2d_residual, void (*)(float* out, cf* x, cf* w1, cf* b1, cf* w2, cf* b2, const Conv2dGeom& g1,
                                     const Conv2dGeom& g2))
// Inference: a residual block with a projection shortcut, out = relu(conv(x, wp) + bp + b2 +
// conv2(relu(b1 + conv1(x)))): g1 C -> mid (strided), g2 mid -> OC keeping its size, gp the 1x1
// (or wider) projection C -> OC with g1's output size; out does not overlap x.
NG_KIND_FN(conv2d_proj_block, void (*)(float* out, cf* x, cf* w1, cf* b1, cf* w2, cf* b2, cf* wp, cf* bp,
                                       const Conv2dGeom& g1, const Conv2dGeom& g2, const Conv2dGeom& gp))
NG_KIND_FN(adaptive_avg_pool2d, void (*)(float* out, cf* x, i64 NC, i64 H, i64 W, i64 OH, i64 OW))
NG_KIND_FN(adaptive_avg_pool2d_bwd, void (*)(float* dx, cf* dout, i64 NC, i64 H, i64 W, i64 OH, i64 OW))
// Bilinear upsampling (PyTorch's upsample_bilinear2d): scale_h / scale_w are the user's scale
// factors (used for the source coordinates as PyTorch does) or 0 when the output size was given.
struct Upsample2dGeom {
  i64 NC, H, W, OH, OW;
  bool align_corners;
  double scale_h, scale_w;
};
NG_KIND_FN(upsample_bilinear2d, void (*)(float* out, cf* x, const Upsample2dGeom& g))
NG_KIND_FN(upsample_bilinear2d_bwd, void (*)(float* dx, cf* dout, const Upsample2dGeom& g))
NG_KIND_FN(embedding, void (*)(float* out, cf* w, const int32_t* idx, i64 N, i64 D))
NG_KIND_FN(embedding_bwd, void (*)(float* dw, cf* dout, const int32_t* idx, i64 N, i64 D, int32_t padding_idx))
// text (issue 14): EmbeddingBag. Bag b reduces the rows weight[idx[k]], k in [offsets[b],
// offsets[b + 1]) (the last bag ends at nidx), skipping entries equal to padding_idx (-1: none);
// an empty bag gives zeros.
// sum may scale each row by per_sample_weights[k]; mean divides by the rows kept; max takes the
// per-column maximum and records its row (max_idx (B, D), -1 for an empty bag) for backward.
// Mode codes: sum 0, mean 1, max 2 (lib/ops/embedding.ts).
enum class BagMode : int { sum = 0, mean = 1, max = 2 };
struct BagGeom {
  i64 nidx, B, V, D;  // indices (nidx), offsets (B bag starts), weight (V, D), out (B, D)
  BagMode mode;
  int32_t padding_idx;
};
NG_KIND_FN(embedding_bag, void (*)(float* out, int32_t* max_idx, cf* w, const int32_t* idx, const int32_t* offsets,
                                   cf* psw, const BagGeom& g))
// dw (V, D) and dpsw (nidx) accumulate; either may be null. w is read for dpsw only.
NG_KIND_FN(embedding_bag_bwd, void (*)(float* dw, float* dpsw, cf* dout, cf* w, const int32_t* idx,
                                       const int32_t* offsets, cf* psw, const int32_t* max_idx, const BagGeom& g))
NG_KIND_FN(gather_rows, void (*)(float* out, cf* src, const int32_t* idx, i64 nidx, i64 D))
NG_KIND_FN(gather_rows_i32, void (*)(int32_t* out, const int32_t* src, const int32_t* idx, i64 nidx, i64 D))
NG_KIND_FN(scatter_add_rows, void (*)(float* dsrc, cf* dout, const int32_t* idx, i64 nidx, i64 D))
NG_KIND_FN(concat, void (*)(float* out, cf* const* ins, const int64_t* dims, i64 k, i64 outer, i64 inner))
NG_KIND_FN(concat_bwd, void (*)(float* const* dins, cf* dout, const int64_t* dims, i64 k, i64 outer, i64 inner))
NG_KIND_FN(slice, void (*)(float* out, cf* x, i64 outer, i64 dim, i64 inner, i64 start, i64 len))
NG_KIND_FN(slice_bwd, void (*)(float* dx, cf* dout, i64 outer, i64 dim, i64 inner, i64 start, i64 len))
NG_KIND_FN(transpose, void (*)(float* out, cf* x, i64 B, i64 R, i64 C))
// Loss forwards return the reduced loss (the plain sum for none) and write per-item losses
// into `losses` when red == none (null otherwise). Backwards ADD into the gradients.
NG_KIND_FN(cross_entropy, double (*)(float* losses, float* probs, cf* logits, const int32_t* labels, cf* weight, i64 N,
                                     i64 C, float label_smoothing, int32_t ignore_index, Reduction red))
// Labels were checked by the forward pass of the same step; the kernel skips (never reads
// out of bounds for) a label outside [0, C).
NG_KIND_FN(cross_entropy_bwd, void (*)(float* dlogits, cf* probs, const int32_t* labels, cf* weight, cf* dout, i64 N,
                                       i64 C, float label_smoothing, int32_t ignore_index, Reduction red))
NG_KIND_FN(cross_entropy_dense, double (*)(float* losses, float* probs, cf* logits, cf* target, cf* weight, i64 N,
                                           i64 C, float label_smoothing, Reduction red))
NG_KIND_FN(cross_entropy_dense_bwd, void (*)(float* dlogits, cf* probs, cf* target, cf* weight, cf* dout, i64 N, i64 C,
                                             float label_smoothing, Reduction red))
NG_KIND_FN(nll, double (*)(float* losses, cf* logp, const int32_t* labels, cf* weight, i64 N, i64 C,
                           int32_t ignore_index, Reduction red))
NG_KIND_FN(nll_bwd, void (*)(float* dlogp, const int32_t* labels, cf* weight, cf* dout, i64 N, i64 C,
                             int32_t ignore_index, Reduction red))
NG_KIND_FN(bce_logits, double (*)(float* losses, cf* x, cf* y, cf* pos_weight, i64 n, i64 C, Reduction red))
NG_KIND_FN(bce_logits_bwd, void (*)(float* dx, cf* x, cf* y, cf* pos_weight, cf* dout, i64 n, i64 C, Reduction red))
NG_KIND_FN(pair_loss, double (*)(float* losses, cf* x, cf* y, i64 n, const double* attrs, Reduction red))
// dx and/or dy may be null; dy gets the gradient with respect to y.
NG_KIND_FN(pair_loss_bwd, void (*)(float* dx, float* dy, cf* x, cf* y, cf* dout, i64 n, const double* attrs,
                                   Reduction red))
NG_KIND_FN(kl_div, double (*)(float* losses, cf* input, cf* target, i64 n, i64 batch, bool log_target, Reduction red))
NG_KIND_FN(kl_div_bwd, void (*)(float* dinput, cf* target, cf* dout, i64 n, i64 batch, bool log_target, Reduction red))
NG_KIND_FN(sgd, void (*)(float* params, cf* grads, float* momentum_buf, i64 n, float lr, float momentum,
                         float dampening, bool nesterov, float weight_decay, bool first_step))
NG_KIND_FN(adam, void (*)(float* params, cf* grads, float* m, float* v, float* vmax, i64 n, float lr, float beta1,
                          float beta2, float eps, float weight_decay, i64 step, bool decoupled, bool amsgrad))
NG_KIND_FN(rmsprop, void (*)(float* params, cf* grads, float* square_avg, float* grad_avg, float* momentum_buf, i64 n,
                             float lr, float alpha, float eps, float weight_decay, float momentum, bool centered))
NG_KIND_FN(adagrad, void (*)(float* params, cf* grads, float* state_sum, i64 n, float lr, float lr_decay,
                             float weight_decay, float eps, i64 step))
NG_KIND_FN(vec_reduce, double (*)(float* x, i64 n, const double* attrs))
NG_KIND_FN(vec_test, bool (*)(cf* x, i64 n))
NG_KIND_FN(vec_map, void (*)(float* x, i64 n, const double* attrs))
NG_KIND_FN(fill_i32, void (*)(int32_t* out, i64 n, int32_t value))
NG_KIND_FN(eye, void (*)(float* out, i64 n, i64 m))
NG_KIND_FN(rng, void (*)(float* out, i64 n, uint64_t seed, uint64_t offset, float a, float b))
// C = alpha op(A) op(B) + beta C, then + bias (N) per column and act (none or relu).
NG_KIND_FN(gemm, void (*)(bool transA, bool transB, i64 M, i64 N, i64 K, float alpha, cf* A, i64 lda, cf* B, i64 ldb,
                          float beta, float* C, i64 ldc, cf* bias, LinearAct act))

// ---- recurrent layers (i14-rnn) ----
// Cell type of rnnForward / rnnBackward (PyTorch's gate order: LSTM i,f,g,o; GRU r,z,n).
enum class RnnMode : int { lstm = 0, gru = 1, rnn_tanh = 2, rnn_relu = 3 };
// One layer and one direction: x (T, B, I), hidden size H, D directions in the output
// (T, B, D*R), this call's direction dir (1 = reverse). P: LSTM projection size (PyTorch's
// proj_size, 0 = none, else in [1, H)); the hidden state h then has R = P entries,
// h = W_hr (o * tanh(c)), the cell state keeps H.
struct RnnGeom {
  i64 T, B, I, H, D, dir;
  RnnMode mode;
  i64 P = 0;
};
inline i64 rnn_gate_count(RnnMode m) { return m == RnnMode::lstm ? 4 : m == RnnMode::gru ? 3 : 1; }
// Entries of the hidden state h (and of each direction's output columns): P with a projection, else H.
inline i64 rnn_state_size(const RnnGeom& g) { return g.P > 0 ? g.P : g.H; }
// Saved floats per (t, b) row beyond the G*H gates and the R of h_prev: LSTM c_prev and
// tanh(c) (and o * tanh(c) with a projection), GRU the hidden part of the n gate
// (W_hn h + b_hn), RNN nothing.
inline i64 rnn_extra_per_row(RnnMode m, i64 H, i64 P = 0) {
  return m == RnnMode::lstm ? (P > 0 ? 3 : 2) * H : m == RnnMode::gru ? H : 0;
}
// Floats of the workspace rnnForward writes and rnnBackward reads (one direction).
inline i64 rnn_workspace_floats(const RnnGeom& g) {
  return g.T * g.B * (rnn_gate_count(g.mode) * g.H + rnn_state_size(g) + rnn_extra_per_row(g.mode, g.H, g.P));
}
// w_hr / dw_hr: the LSTM projection (P, H), null when g.P == 0.
NG_KIND_FN(rnn, void (*)(float* out, float* hN, float* cN, float* ws, cf* x, cf* w_ih, cf* w_hh, cf* b_ih, cf* b_hh,
                         cf* h0, cf* c0, const int32_t* lengths, cf* w_hr, const RnnGeom& g))
NG_KIND_FN(rnn_bwd, void (*)(float* dx, float* dw_ih, float* dw_hh, float* db_ih, float* db_hh, float* dh0, float* dc0,
                             cf* dout, cf* dhN, cf* dcN, cf* ws, cf* x, cf* w_ih, cf* w_hh, const int32_t* lengths,
                             float* dw_hr, cf* w_hr, const RnnGeom& g))
// ---- attention / transformer (issue 14, i14-gpt) ----
// Fused attention geometry: heads side by side in rows, see cpu/ops/attention.h.
struct AttnGeom {
  i64 B, H, Tq, Tk, D;     // batch, heads, query and key lengths, head size
  i64 ldq, ldk, ldv, ldo;  // elements between consecutive positions (>= H * D)
  float scale;             // multiplies q . k
  bool causal;             // key j is visible to query i only when j <= i + causal_offset
  i64 causal_offset;
  i64 mask_stride;         // additive mask (Tq, Tk) per (b, h): 0 (one shared mask) or Tq * Tk
};
NG_KIND_FN(attention, void (*)(float* out, float* lse, cf* q, cf* k, cf* v, cf* mask, cf* kpm, const AttnGeom& g))
NG_KIND_FN(attention_bwd, void (*)(float* dq, float* dk, float* dv, cf* dout, cf* q, cf* k, cf* v, cf* out, cf* lse,
                                   cf* mask, cf* kpm, const AttnGeom& g))
// Strided batched GEMM: B1 x B2 products, operand X_b at X + b1 * sX1 + b2 * sX2.
struct BmmGeom {
  bool transA, transB;
  i64 B1, B2, M, N, K;
  float alpha, beta;
  i64 sA1, sA2, lda, sB1, sB2, ldb, sC1, sC2, ldc;
};
NG_KIND_FN(bmm, void (*)(cf* A, cf* B, float* C, const BmmGeom& g))
// ---- permute: a tensor's axes reordered (rank <= kMaxPermuteRank) ----
constexpr int kMaxPermuteRank = 8;
struct PermuteGeom {
  int rank;                    // 0..kMaxPermuteRank
  i64 dims[kMaxPermuteRank];   // the input's shape
  int perm[kMaxPermuteRank];   // output axis k is input axis perm[k] (a permutation of 0..rank-1)
};
// permuteForward: out = x with its axes reordered; permuteBackward(dx, dout): dx += dout with
// the reordering undone (a bijection: each element once).
NG_KIND_FN(permute, void (*)(float* a, cf* b, const PermuteGeom& g))
// ---- masks: comparisons, where, dtype casts ----
// Comparisons write 1.0f where the relation holds and 0.0f elsewhere (NaN compares unequal to
// everything, itself included: only ne holds), broadcasting a and b as the binary kind does.
enum class CompareOp : int { eq = 0, ne = 1, lt = 2, le = 3, gt = 4, ge = 5 };
constexpr const char* kCompareNames[] = {"eq", "ne", "lt", "le", "gt", "ge"};
constexpr int kCompareCount = sizeof(kCompareNames) / sizeof(kCompareNames[0]);
NG_KIND_FN(compare, void (*)(float* out, cf* a, Shape4 as, cf* b, Shape4 bs, CompareOp op))
NG_KIND_FN(compare_i32, void (*)(float* out, const int32_t* a, Shape4 as, const int32_t* b, Shape4 bs, CompareOp op))
// where: out = cond != 0 ? a : b (all of n elements; broadcasting is the caller's). Its backward
// adds dout into da where cond != 0 and into db elsewhere; either may be null.
NG_KIND_FN(select, void (*)(float* out, cf* cond, cf* a, cf* b, i64 n))
NG_KIND_FN(select_bwd, void (*)(float* da, float* db, cf* dout, cf* cond, i64 n))
// Casts: int32 -> float32 (rounded to nearest), float32 -> int32 (toward zero; NaN -> 0, values
// beyond the int32 range saturate: the caller rejects those it must not see).
NG_KIND_FN(cast_to_f32, void (*)(float* out, const int32_t* x, i64 n))
NG_KIND_FN(cast_to_i32, void (*)(int32_t* out, cf* x, i64 n))

#undef NG_KIND_FN

}  // namespace ng::ops
