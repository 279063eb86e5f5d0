// Recurrent layers over time: LSTM, GRU and Elman RNN (tanh / relu), one layer and one
// direction per call, PyTorch's gate layout and equations.
//
//   LSTM  gates (i, f, g, o):  c' = f c + i g,  h' = o tanh(c')
//   GRU   gates (r, z, n):     n = tanh(W_in x + b_in + r (W_hn h + b_hn)),  h' = (1 - z) n + z h
//   RNN   h' = tanh / relu(W_ih x + b_ih + W_hh h + b_hh)
//
// Forward: the input projection of every time step is ONE sgemm (T*B, G*H) = x W_ih^T + b_ih,
// written into the saved gate area of the workspace; each step then runs one sgemm for all gates
// (h W_hh^T + b_hh) and one fused pass (activations, cell update, output write). Backward runs
// the steps in reverse with one fused pass and one sgemm (dh_prev) per step, and afterwards
// three big sgemms over all steps (dx, dW_ih, dW_hh) and deterministic column sums (biases).
//
// LSTM projection (g.P > 0, PyTorch's proj_size): the hidden state has R = P entries,
// h' = (o * tanh(c')) W_hr^T, one sgemm (B, R, H) per step after the fused pass; W_hh is
// (4H, R) and the output has R columns per direction. Backward: per step dm = dh' W_hr (sgemm)
// feeds the fused pass, dW_hr is one sgemm over all steps (o * tanh(c) is saved).
//
// Variable lengths (pack_padded_sequence): row b is valid at time t when t < lengths[b]. Outputs
// past a row's length are 0, the final state is the state after its last valid step, and the
// reverse direction starts at step lengths[b] - 1. lengths null: every row has length T.
//
// Layout (R = rnn_state_size(g): P with a projection, else H): x (T, B, I); out (T, B, D*R), this
// direction writes columns [dir*R, (dir+1)*R); h0, hN, dh0, dhN (B, R); c0, cN, dc0, dcN (B, H);
// w_ih (G*H, I), w_hh (G*H, R), biases (G*H), w_hr (R, H) (null without a projection).
// Results are bit-identical for any thread count (rows are independent; sgemm is deterministic).
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace ng::cpu {

using RnnMode = ng::ops::RnnMode;
using RnnGeom = ng::ops::RnnGeom;

using ng::ops::rnn_gate_count;        // gates per cell: 4 (LSTM), 3 (GRU), 1 (RNN)
using ng::ops::rnn_workspace_floats;  // floats of the saved workspace (one direction)
using ng::ops::rnn_state_size;        // entries of h: P with a projection, else H
// Floats of temporary scratch each pass needs.
int64_t rnn_scratch_floats(const RnnGeom& g, bool backward);

// out, hN, ws written; cN (LSTM only) written; b_ih, b_hh, h0, c0, lengths may be null; w_hr
// only read when g.P > 0.
void rnn_forward(float* out, float* hN, float* cN, float* ws, const float* x, const float* w_ih, const float* w_hh,
                 const float* b_ih, const float* b_hh, const float* h0, const float* c0, const int32_t* lengths,
                 const float* w_hr, const RnnGeom& g, float* scratch);

// Gradients ACCUMULATE; any of dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dc0 may be null, and so may
// dout, dhN, dcN (zero upstream gradient); dw_hr (may be null) and w_hr with g.P > 0.
void rnn_backward(float* dx, float* dw_ih, float* dw_hh, float* db_ih, float* db_hh, float* dh0, float* dc0,
                  const float* dout, const float* dhN, const float* dcN, const float* ws, const float* x,
                  const float* w_ih, const float* w_hh, const int32_t* lengths, float* dw_hr, const float* w_hr,
                  const RnnGeom& g, float* scratch);

}  // namespace ng::cpu
