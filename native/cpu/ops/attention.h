// Attention kernels: fused scaled-dot-product attention (forward / backward, flash-attention
// style) and strided batched matrix products.
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace ng::cpu {

using ops::AttnGeom;
using ops::BmmGeom;

// Fused attention over heads stored side by side in rows (layout (B, T, H, D) with a row
// stride): q[b, i, h, :] = q + (b * Tq + i) * ldq + h * D (k, v, out alike with ldk, ldv, ldo).
//   score(i, j) = scale * q_i . k_j + mask[bh][i][j] + kpm[b][j]   (-inf where causal hides j)
//   out_i = softmax_j(score(i, .)) v      lse_i = log(sum_j exp(score(i, j)))   lse: (B, H, Tq)
// Never materializes the Tq x Tk scores: key blocks are visited in order with an online
// softmax (running max and sum per query row, the output rows as accumulators).
// Fully masked rows (every score -inf): out_i = 0, lse_i = -inf, and no gradient flows.
// Hidden keys are never read for the rows they are hidden from (their k / v rows may hold
// anything): with a mask, terms of weight 0 are skipped; causal-only calls (no mask) sum each
// row over its visible-key interval by structure.
// Parallel over (batch, head, query block); every output element is computed by one thread in
// a fixed order, so results do not depend on the thread count.
void attention_forward(float* out, float* lse, const float* q, const float* k, const float* v, const float* mask,
                       const float* kpm, const AttnGeom& g);
// Adds the gradients (dq, dk, dv may be null; same layouts as q, k, v). Recomputes the scores
// blockwise from q, k and lse; dout and out use ldo. Parallel over (batch, head).
void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* q, const float* k,
                        const float* v, const float* out, const float* lse, const float* mask, const float* kpm,
                        const AttnGeom& g);

// For every (b1, b2) in B1 x B2: C_b = alpha op(A_b) op(B_b) + beta C_b with
// X_b = X + b1 * sX1 + b2 * sX2 (sgemm's contract per product; beta == 0 never reads C).
// Parallel over products when there are enough of them, else each sgemm is parallel.
void bmm(const float* A, const float* B, float* C, const BmmGeom& g);

}  // namespace ng::cpu
