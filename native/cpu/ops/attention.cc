#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/attention.h"

#include <cmath>

#include "core/threads.h"
#include "cpu/gemm/gemm.h"
#include "cpu/ops/common.h"

namespace ng::cpu {

namespace {

constexpr int64_t kBQ = 16;  // query rows per tile
constexpr int64_t kBK = 64;  // keys per tile

// Pointers to one (batch, head) of the attention operands.
struct Head {
  const float *q, *k, *v, *mask, *kpm;
  int64_t b;
};

Head head_of(const float* q, const float* k, const float* v, const float* mask, const float* kpm, const AttnGeom& g,
             int64_t bh) {
  const int64_t b = bh / g.H, h = bh % g.H;
  Head r;
  r.q = q + b * g.Tq * g.ldq + h * g.D;
  r.k = k + b * g.Tk * g.ldk + h * g.D;
  r.v = v + b * g.Tk * g.ldv + h * g.D;
  r.mask = mask ? mask + bh * g.mask_stride : nullptr;
  r.kpm = kpm ? kpm + b * g.Tk : nullptr;
  r.b = b;
  return r;
}

// Keys [0, end) that any query row of [i0, i0 + ni) can see (end <= 0: none).
int64_t key_end(const AttnGeom& g, int64_t i0, int64_t ni) {
  if (!g.causal) return g.Tk;
  const int64_t last = i0 + ni - 1 + g.causal_offset + 1;
  return last < g.Tk ? last : g.Tk;
}

// Scores of query row i against keys [j0, j0 + nj) into s (same arithmetic in both passes).
NG_ALWAYS_INLINE void score_row(float* s, const Head& hd, const AttnGeom& g, int64_t i, int64_t j0, int64_t nj) {
  const float* qi = hd.q + i * g.ldq;
  const float* mrow = hd.mask ? hd.mask + i * g.Tk : nullptr;
  for (int64_t c = 0; c < nj; c++) {
    const int64_t j = j0 + c;
    float x = row_dot(qi, hd.k + j * g.ldk, g.D) * g.scale;
    if (mrow) x += mrow[j];
    if (hd.kpm) x += hd.kpm[j];
    if (g.causal && j > i + g.causal_offset) x = -INFINITY;
    s[c] = x;
  }
}

NG_ALWAYS_INLINE void axpy(float* y, float a, const float* x, int64_t n) {
  for (int64_t d = 0; d < n; d++) y[d] += a * x[d];
}

}  // namespace

void attention_forward(float* out, float* lse, const float* q, const float* k, const float* v, const float* mask,
                       const float* kpm, const AttnGeom& g) {
  // out: rows (B * Tq) with stride ldo, head h at columns [h D, h D + D)  lse: (B, H, Tq)
  const int64_t nqb = (g.Tq + kBQ - 1) / kBQ, items = g.B * g.H * nqb;
  const bool par = items > 1 && g.B * g.H * g.Tq * g.Tk * g.D >= kParallelMin;
  parallel_for(items, par, [=, &g](int64_t item) {
    const int64_t bh = item / nqb, i0 = (item % nqb) * kBQ;
    const int64_t ni = g.Tq - i0 < kBQ ? g.Tq - i0 : kBQ;
    const Head hd = head_of(q, k, v, mask, kpm, g, bh);
    float* o = out + hd.b * g.Tq * g.ldo + (bh % g.H) * g.D;
    float s[kBK], m[kBQ], l[kBQ];
    for (int64_t r = 0; r < ni; r++) {
      m[r] = -INFINITY;
      l[r] = 0.0f;
      float* orow = o + (i0 + r) * g.ldo;
      for (int64_t d = 0; d < g.D; d++) orow[d] = 0.0f;
    }
    const int64_t jend = key_end(g, i0, ni);
    for (int64_t j0 = 0; j0 < jend; j0 += kBK) {
      const int64_t nj = jend - j0 < kBK ? jend - j0 : kBK;
      for (int64_t r = 0; r < ni; r++) {
        const int64_t i = i0 + r;
        score_row(s, hd, g, i, j0, nj);
        const float mx = row_max(s, nj);
        const float mnew = mx > m[r] ? mx : m[r];
        if (mnew == -INFINITY) continue;  // every key so far is masked for this row
        float* orow = o + i * g.ldo;
        const float alpha = exp_fast(m[r] - mnew);  // 0 when m[r] = -inf
        if (alpha != 1.0f) {
          for (int64_t d = 0; d < g.D; d++) orow[d] *= alpha;
          l[r] *= alpha;
        }
        for (int64_t c = 0; c < nj; c++) s[c] = exp_fast(s[c] - mnew);
        l[r] += row_sum(s, nj);
        for (int64_t c = 0; c < nj; c++)
          if (s[c] != 0.0f) axpy(orow, s[c], hd.v + (j0 + c) * g.ldv, g.D);
        m[r] = mnew;
      }
    }
    float* lrow = lse + bh * g.Tq;
    for (int64_t r = 0; r < ni; r++) {
      float* orow = o + (i0 + r) * g.ldo;
      if (l[r] == 0.0f) {  // fully masked row: zeros, lse = -inf
        lrow[i0 + r] = -INFINITY;
        continue;
      }
      const float inv = 1.0f / l[r];
      for (int64_t d = 0; d < g.D; d++) orow[d] *= inv;
      lrow[i0 + r] = m[r] + std::log(l[r]);
    }
  });
}

void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* q, const float* k,
                        const float* v, const float* out, const float* lse, const float* mask, const float* kpm,
                        const AttnGeom& g) {
  // dq, q: like q  dk, k / dv, v: like k / v  dout, out: like out  lse: (B, H, Tq)
  const int64_t items = g.B * g.H;
  const bool par = items > 1 && g.B * g.H * g.Tq * g.Tk * g.D >= kParallelMin;
  parallel_for(items, par, [=, &g](int64_t bh) {
    const Head hd = head_of(q, k, v, mask, kpm, g, bh);
    const int64_t h = bh % g.H;
    const int64_t qoff = hd.b * g.Tq * g.ldq + h * g.D, koff = hd.b * g.Tk * g.ldk + h * g.D;
    const int64_t voff = hd.b * g.Tk * g.ldv + h * g.D, ooff = hd.b * g.Tq * g.ldo + h * g.D;
    const float* lrow = lse + bh * g.Tq;
    float P[kBQ * kBK], dS[kBQ * kBK], delta[kBQ];
    for (int64_t i0 = 0; i0 < g.Tq; i0 += kBQ) {
      const int64_t ni = g.Tq - i0 < kBQ ? g.Tq - i0 : kBQ;
      for (int64_t r = 0; r < ni; r++) {
        const int64_t i = i0 + r;
        delta[r] = row_dot(dout + ooff + i * g.ldo, out + ooff + i * g.ldo, g.D);
      }
      const int64_t jend = key_end(g, i0, ni);
      for (int64_t j0 = 0; j0 < jend; j0 += kBK) {
        const int64_t nj = jend - j0 < kBK ? jend - j0 : kBK;
        for (int64_t r = 0; r < ni; r++) {
          const int64_t i = i0 + r;
          float* p = P + r * kBK;
          float* ds = dS + r * kBK;
          const float L = lrow[i];
          if (L == -INFINITY) {  // fully masked row: no gradient
            for (int64_t c = 0; c < nj; c++) p[c] = ds[c] = 0.0f;
            continue;
          }
          score_row(p, hd, g, i, j0, nj);
          for (int64_t c = 0; c < nj; c++) p[c] = exp_fast(p[c] - L);
          const float* go = dout + ooff + i * g.ldo;
          for (int64_t c = 0; c < nj; c++) {
            const float dp = p[c] != 0.0f ? row_dot(go, v + voff + (j0 + c) * g.ldv, g.D) : 0.0f;
            ds[c] = p[c] * (dp - delta[r]) * g.scale;
          }
          if (dq) {
            float* dqi = dq + qoff + i * g.ldq;
            for (int64_t c = 0; c < nj; c++)
              if (ds[c] != 0.0f) axpy(dqi, ds[c], k + koff + (j0 + c) * g.ldk, g.D);
          }
        }
        for (int64_t c = 0; c < nj; c++) {
          const int64_t j = j0 + c;
          for (int64_t r = 0; r < ni; r++) {
            const int64_t i = i0 + r;
            const float pr = P[r * kBK + c], dsr = dS[r * kBK + c];
            if (dv && pr != 0.0f) axpy(dv + voff + j * g.ldv, pr, dout + ooff + i * g.ldo, g.D);
            if (dk && dsr != 0.0f) axpy(dk + koff + j * g.ldk, dsr, q + qoff + i * g.ldq, g.D);
          }
        }
      }
    }
  });
}

void bmm(const float* A, const float* B, float* C, const BmmGeom& g) {
  const int64_t n = g.B1 * g.B2;
  if (n == 0) return;
  auto one = [=, &g](int64_t t) {
    const int64_t b1 = t / g.B2, b2 = t % g.B2;
    sgemm(g.transA, g.transB, g.M, g.N, g.K, g.alpha, A + b1 * g.sA1 + b2 * g.sA2, g.lda, B + b1 * g.sB1 + b2 * g.sB2,
          g.ldb, g.beta, C + b1 * g.sC1 + b2 * g.sC2, g.ldc);
  };
  // Many products: one per thread (each sgemm then runs serially inside the team); few: each
  // sgemm spreads its own blocks. sgemm's result does not depend on its thread count.
  const bool par = n >= 2 * ng::get_num_threads() && n * g.M * g.N * g.K >= kParallelMin;
  parallel_for(n, par, one);
}

}  // namespace ng::cpu
