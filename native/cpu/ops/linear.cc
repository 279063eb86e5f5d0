#include "cpu/ops/opt_flags.h"  // first: compiler options for this file
// dpre_and_dbias runs per ISA (isa_dispatch.h); multiply-adds are never contracted into FMAs
// (the baseline build has none), so every ISA gives the same bits.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "cpu/ops/linear.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/intrinsics_x86.h"
#include "cpu/gemm/gemm.h"
#include "cpu/ops/activations.h"
#include "cpu/ops/common.h"
#include "cpu/ops/isa_dispatch.h"
#include "cpu/ops/linear_small.h"

namespace ng::cpu {

namespace {

constexpr float kSqrt2OverPi = 0.79788456080286535588f;
constexpr float kGeluC = 0.044715f;

// act'(.) given the post-activation y (relu/sigmoid/tanh) or the pre-activation x (gelus).
template <int ACT>
NG_ALWAYS_INLINE float act_grad(float y, float x) {
  if constexpr (ACT == 1) return y > 0.0f ? 1.0f : 0.0f;
  else if constexpr (ACT == 2) return y * (1.0f - y);
  else if constexpr (ACT == 3) return 1.0f - y * y;
  else if constexpr (ACT == 4) {
    return gelu_erf_grad(x);
  } else if constexpr (ACT == 6) {
    // gelu with the forward's output at hand: Phi(x) = y / x (y = x Phi(x)), so only phi(x) needs
    // an exp (about half the work of gelu_erf_grad). Near 0 (where y / x loses digits or is 0/0)
    // Phi(x) = 1/2 + x phi(0) to float precision (the next term is O(x^3)).
    const float small = 0.5f + 0.39894228040143267794f * x;
    const float ratio = y / x;
    const float phi_cdf = std::fabs(x) < 1e-6f ? small : ratio;
    return phi_cdf + x * 0.39894228040143267794f * exp_fast(-0.5f * x * x);
  } else {
    const float t = tanh_fast(kSqrt2OverPi * (x + kGeluC * x * x * x));
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * kGeluC * x * x);
  }
}

// dpre = dout * act'(.) given the row's out / pre at i (dpre is not written for ACT 0).
template <int ACT>
NG_ALWAYS_INLINE float dpre_at(const float* g, const float* y, const float* x, int64_t i) {
  if constexpr (ACT == 0) return g[i];
  else if constexpr (ACT <= 3) return g[i] * act_grad<ACT>(y[i], 0.0f);
  else if constexpr (ACT == 6) return g[i] * act_grad<ACT>(y[i], x[i]);
  else return g[i] * act_grad<ACT>(0.0f, x[i]);
}

// Rows per chunk of dpre_and_dbias: kBiasRowChunk, more for batches above kBiasMaxChunks of them
// (a function of the batch only: the chunks fix the bias gradient's summation order), so the
// chunks' sums take at most kBiasMaxChunks x OC floats of scratch.
constexpr int64_t kBiasRowChunk = 32;
constexpr int64_t kBiasMaxChunks = 64;
inline int64_t bias_rows_per_chunk(int64_t B) {
  return std::max(kBiasRowChunk, (B + kBiasMaxChunks - 1) / kBiasMaxChunks);
}

#if NG_X86
// dpre_and_dbias for at most 16 columns (tiny layers) without threads: a row is one masked AVX-512
// register. The same operations per element as dpre_at, the same chunks, the same order.
template <int ACT>
NG_TARGET_AVX512 void dpre_and_dbias_narrow(float* dpre, float* dbias, const float* dout, const float* out, int64_t B,
                                            int64_t OC, bool init) {
  const int64_t rows = bias_rows_per_chunk(B);
  const __mmask16 m = lanes16(OC);
  const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
  __m512 s = zero;
  for (int64_t b0 = 0; b0 < B; b0 += rows) {
    const int64_t b1 = std::min(B, b0 + rows);
    __m512 acc = zero;
    for (int64_t b = b0; b < b1; b++) {
      const __m512 g = _mm512_maskz_loadu_ps(m, dout + b * OC);
      __m512 v = g;
      if constexpr (ACT != 0) {
        const __m512 y = _mm512_maskz_loadu_ps(m, out + b * OC);
        if constexpr (ACT == 1) v = _mm512_mul_ps(g, _mm512_mask_blend_ps(_mm512_cmp_ps_mask(y, zero, _CMP_GT_OQ), zero, one));
        else if constexpr (ACT == 2) v = _mm512_mul_ps(g, _mm512_mul_ps(y, _mm512_sub_ps(one, y)));
        else v = _mm512_mul_ps(g, _mm512_sub_ps(one, _mm512_mul_ps(y, y)));
        _mm512_mask_storeu_ps(dpre + b * OC, m, v);
      }
      acc = _mm512_add_ps(acc, v);
    }
    s = b0 == 0 ? acc : _mm512_add_ps(s, acc);
  }
  if (dbias) _mm512_mask_storeu_ps(dbias, m, init ? s : _mm512_add_ps(_mm512_maskz_loadu_ps(m, dbias), s));
}
#endif

// dpre = dout * act'(.) (not written for ACT 0), and dbias = (init) or += the column sums of dpre.
// Rows go in chunks (bias_rows_per_chunk), and threads own whole chunks, i.e. contiguous rows: threads
// that each wrote a block of columns of every row (as this pass did) slowed each other down, as
// column strips of a GEMM's C do (see gemm.cc, run_problem). Each chunk sums its rows in order
// into its own row of column sums; dbias then gets the chunks' sums in chunk order, so the order
// depends on B only (one chunk, B <= 32: rows in order, as before). Per-ISA builds of the loop
// (isa_dispatch.h).
template <int ACT>
void dpre_and_dbias(float* dpre, float* dbias, const float* dout, const float* out, const float* pre,
                    int64_t B, int64_t OC, bool init) {
  const int64_t rows = bias_rows_per_chunk(B), nch = (B + rows - 1) / rows;
  if (nch == 0) {  // no rows: the sums are 0
    if (dbias && init) std::fill(dbias, dbias + OC, 0.0f);
    return;
  }
#if NG_X86
  if constexpr (ACT <= 3) {
    if (OC <= 16 && nch * rows * OC < kParallelMin && isa_detail::isa_or_generic() == Isa::avx512) {
      dpre_and_dbias_narrow<ACT>(dpre, dbias, dout, out, B, OC, init);
      return;
    }
  }
#endif
  // The chunks' column sums: dbias itself for one chunk with init, else scratch of this thread.
  thread_local std::vector<float> scratch;
  float* sums = nullptr;
  if (dbias && nch == 1 && init) {
    sums = dbias;
  } else if (dbias) {
    if (scratch.size() < static_cast<size_t>(nch * OC)) scratch.resize(static_cast<size_t>(nch * OC));
    sums = scratch.data();
  }
  run_isa(nch, rows * OC, [=](int64_t ch0, int64_t ch1) NG_INLINE_LAMBDA {
    for (int64_t ch = ch0; ch < ch1; ch++) {
      const int64_t b0 = ch * rows, b1 = std::min(B, b0 + rows);
      float* acc = sums ? sums + ch * OC : nullptr;
      if (acc)
        for (int64_t i = 0; i < OC; i++) acc[i] = 0.0f;
      for (int64_t b = b0; b < b1; b++) {
        const int64_t off = b * OC;
        const float* g = dout + off;
        const float* y = out ? out + off : nullptr;
        const float* x = pre ? pre + off : nullptr;
        if constexpr (ACT == 0) {
          for (int64_t i = 0; i < OC; i++) acc[i] += g[i];  // ACT 0 runs only for a bias
        } else {
          float* d = dpre + off;
          if (acc) {
            for (int64_t i = 0; i < OC; i++) {
              const float v = dpre_at<ACT>(g, y, x, i);
              d[i] = v;
              acc[i] += v;
            }
          } else {
            for (int64_t i = 0; i < OC; i++) d[i] = dpre_at<ACT>(g, y, x, i);
          }
        }
      }
    }
  });
  if (!dbias || sums == dbias) return;
  for (int64_t i = 0; i < OC; i++) {
    float s = sums[i];
    for (int64_t ch = 1; ch < nch; ch++) s += sums[ch * OC + i];
    dbias[i] = init ? s : dbias[i] + s;
  }
}

}  // namespace

// The activation pass after the product (relu rides in the GEMM epilogue).
static void linear_activation(float* out, const float* pre, int64_t n, LinearAct act);

void linear_forward(float* out, float* pre, const float* inp, const float* weight, const float* bias,
                    int64_t B, int64_t C, int64_t OC, LinearAct act) {
  // out: (B, OC)  pre: (B, OC) for gelus  inp: (B, C)  weight: (OC, C)  bias: (OC) or null
  GemmEpilogue ep;
  ep.bias = bias;
  ep.act = act == LinearAct::relu ? Act::relu : Act::none;
  const bool gelu = act == LinearAct::gelu || act == LinearAct::gelu_tanh;
  float* dst = gelu ? pre : out;
  if (linear_small(B, C, OC)) linear_small_forward(dst, inp, weight, bias, B, C, OC, ep.act == Act::relu);
  else sgemm(false, true, B, OC, C, 1.0f, inp, C, weight, C, 0.0f, dst, OC, &ep);
  linear_activation(out, pre, B * OC, act);
}

int64_t linear_packed_weight_floats(int64_t C, int64_t OC) {
  // Weights this small take linear_small_forward for small batches: no packing.
  if (C * OC <= kLinearSmallWeights) return 0;
  return sgemm_packed_b_floats(C, OC);
}

int linear_pack_weight(float* dst, const float* weight, int64_t C, int64_t OC) {
  return sgemm_pack_b(true, C, OC, weight, C, dst);
}

bool linear_forward_packed(float* out, float* pre, const float* inp, const float* packed, int table,
                           const float* bias, int64_t B, int64_t C, int64_t OC, LinearAct act) {
  if (linear_small(B, C, OC)) return false;
  GemmEpilogue ep;
  ep.bias = bias;
  ep.act = act == LinearAct::relu ? Act::relu : Act::none;
  const bool gelu = act == LinearAct::gelu || act == LinearAct::gelu_tanh;
  if (!sgemm_prepacked_b(table, B, OC, C, inp, C, packed, gelu ? pre : out, OC, &ep)) return false;
  linear_activation(out, pre, B * OC, act);
  return true;
}

static void linear_activation(float* out, const float* pre, int64_t n, LinearAct act) {
  switch (act) {
    case LinearAct::none:
    case LinearAct::relu: break;
    case LinearAct::sigmoid: sigmoid_forward(out, out, n); break;
    case LinearAct::tanh: tanh_forward(out, out, n); break;
    case LinearAct::gelu: gelu_forward(out, pre, n); break;
    case LinearAct::gelu_tanh: gelu_tanh_forward(out, pre, n); break;
  }
}

void linear_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, const float* out, const float* pre, int64_t B, int64_t C,
                     int64_t OC, LinearAct act, float* scratch, bool init) {
  // dinp: (B, C)  dweight: (OC, C)  dbias: (OC)  dout, out, pre, scratch: (B, OC)
  // inp: (B, C)  weight: (OC, C)
  const float* dpre = dout;
  switch (act) {
    case LinearAct::none: if (dbias) dpre_and_dbias<0>(nullptr, dbias, dout, out, pre, B, OC, init); break;
    case LinearAct::relu: dpre_and_dbias<1>(scratch, dbias, dout, out, pre, B, OC, init); dpre = scratch; break;
    case LinearAct::sigmoid: dpre_and_dbias<2>(scratch, dbias, dout, out, pre, B, OC, init); dpre = scratch; break;
    case LinearAct::tanh: dpre_and_dbias<3>(scratch, dbias, dout, out, pre, B, OC, init); dpre = scratch; break;
    case LinearAct::gelu:
      if (out) dpre_and_dbias<6>(scratch, dbias, dout, out, pre, B, OC, init);
      else dpre_and_dbias<4>(scratch, dbias, dout, out, pre, B, OC, init);
      dpre = scratch;
      break;
    case LinearAct::gelu_tanh: dpre_and_dbias<5>(scratch, dbias, dout, out, pre, B, OC, init); dpre = scratch; break;
  }
  if (linear_small(B, C, OC)) {
    linear_small_backward(dinp, dweight, dpre, inp, weight, B, C, OC, init);
    return;
  }
  // beta = 0 never reads C (gemm.h), so init needs no zero fill first
  const float beta = init ? 0.0f : 1.0f;
  // dinp (B, C) += dpre (B, OC) * weight (OC, C)
  if (dinp) sgemm(false, false, B, C, OC, 1.0f, dpre, OC, weight, C, beta, dinp, C);
  // dweight (OC, C) += dpre^T (OC, B) * inp (B, C)
  if (dweight) sgemm(true, false, OC, C, B, 1.0f, dpre, OC, inp, C, beta, dweight, C);
}

}  // namespace ng::cpu
