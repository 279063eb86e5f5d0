// Fused linear layer: out = act(inp * weight^T + bias), weight shaped (OC, C) like PyTorch.
// Forward runs one sgemm whose epilogue adds the bias (and applies relu); other activations
// are a second pass over out. Backward computes dpre = dout * act'(.) in one pass that also
// reduces dbias, then two sgemm calls with beta = 1 accumulate dinp and dweight.
//
// What the caller must keep for backward: inp and weight always; out (the post-activation
// output) for relu, sigmoid and tanh; for gelu / gelu_tanh the PRE-activation `pre`
// (B, OC), which the forward writes when act is a gelu (pass null otherwise).
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace ng::cpu {

using LinearAct = ng::ops::LinearAct;  // shared by every backend (native/ops/kinds.h)

// out: (B, OC)  pre: (B, OC), required for gelu/gelu_tanh, else ignored (may be null)
// inp: (B, C)  weight: (OC, C)  bias: (OC) or null
void linear_forward(float* out, float* pre, const float* inp, const float* weight, const float* bias,
                    int64_t B, int64_t C, int64_t OC, LinearAct act);

// dinp: (B, C) or null  dweight: (OC, C) or null  dbias: (OC) or null  (all accumulate; with
// `init` they are written instead: their old contents are never read, so they may be
// uninitialized; autograd passes init when it is a gradient's first producer)
// dout: (B, OC)  inp: (B, C)  weight: (OC, C)  out: (B, OC) post-activation (read for relu,
// sigmoid, tanh; for gelu when not null: Phi(pre) = out / pre saves the erfc)  pre: (B, OC)
// (read for gelu/gelu_tanh)
// scratch: (B, OC) floats for dpre, required unless act == none (then dout is used directly).
void linear_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, const float* out, const float* pre, int64_t B, int64_t C,
                     int64_t OC, LinearAct act, float* scratch, bool init = false);

// ---- weight packed ahead of time (inference: the same weight in many calls) ----------------
// linear_packed_weight_floats: floats linear_pack_weight writes for a (OC, C) weight, or 0 when
// linear_forward never runs that weight through the GEMM (small weights take plain loops).
// linear_pack_weight packs weight^T as the GEMM's B operand for the kernel table in use now and
// returns that table's tag. linear_forward_packed is linear_forward reading the packed weight:
// the same bits (same micro-kernel, same panels, any thread count); it returns false and writes
// nothing when the table in use is not `table` any more (ISA or precision changed).
int64_t linear_packed_weight_floats(int64_t C, int64_t OC);
int linear_pack_weight(float* dst, const float* weight, int64_t C, int64_t OC);
bool linear_forward_packed(float* out, float* pre, const float* inp, const float* packed, int table,
                           const float* bias, int64_t B, int64_t C, int64_t OC, LinearAct act);

}  // namespace ng::cpu
