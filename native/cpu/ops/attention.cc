#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

#include "cpu/ops/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/threads.h"
#include "cpu/gemm/gemm.h"
#include "cpu/ops/common.h"
#include "cpu/ops/isa_dispatch.h"

namespace ng::cpu {

namespace {

// Tiles: kBQ query rows x kBK keys. Score rows are kBK wide, or 32 for a tile of at most 32 keys
// (tile_width; columns past the tile's keys are -inf, then 0 after exp), so the loops over a row
// have a trip count that is a multiple of 16 and vectorize;
// head-dim chunks of kDC columns are copied into zero-padded scratch for the same reason.
constexpr int64_t kBQ = 32;
constexpr int64_t kBK = 64;
constexpr int64_t kDC = 32;

// Pointers to one (batch, head) of the attention operands.
struct Head {
  const float *q, *k, *v, *mask, *kpm;
  int64_t b, h;
};

NG_ALWAYS_INLINE Head head_of(const float* q, const float* k, const float* v, const float* mask, const float* kpm,
                              const AttnGeom& g, int64_t bh) {
  const int64_t b = bh / g.H, h = bh % g.H;
  Head r;
  r.q = q + b * g.Tq * g.ldq + h * g.D;
  r.k = k + b * g.Tk * g.ldk + h * g.D;
  r.v = v + b * g.Tk * g.ldv + h * g.D;
  r.mask = mask ? mask + bh * g.mask_stride : nullptr;
  r.kpm = kpm ? kpm + b * g.Tk : nullptr;
  r.b = b;
  r.h = h;
  return r;
}

// Keys [0, end) that any query row of [i0, i0 + ni) can see (end <= 0: none).
NG_ALWAYS_INLINE int64_t key_end(const AttnGeom& g, int64_t i0, int64_t ni) {
  if (!g.causal) return g.Tk;
  const int64_t last = i0 + ni - 1 + g.causal_offset + 1;
  return last < g.Tk ? last : g.Tk;
}

NG_ALWAYS_INLINE int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// 16 floats as one value (GCC/Clang vector extension): the accumulators below stay in registers
// (arrays of them were kept on the stack). Each ISA build maps it to its own registers (one
// zmm, two ymm or four xmm); the arithmetic per element is the same as a scalar loop's.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"  // vf16 never crosses a call: the helpers are always inlined
#endif
typedef float vf16 __attribute__((vector_size(64)));
typedef float vf16u __attribute__((vector_size(64), aligned(4), may_alias));

NG_ALWAYS_INLINE vf16 load16(const float* p) { return *reinterpret_cast<const vf16u*>(p); }
NG_ALWAYS_INLINE void store16(float* p, vf16 x) { *reinterpret_cast<vf16u*>(p) = x; }

// In-register transpose of a 16 x 16 block (rows x[0..15] -> columns): four rounds of swapping
// the off-diagonal h x h sub-blocks (h = 8, 4, 2, 1), each row pair (i, i + h) by two two-source
// shuffles (one vpermt2ps each on AVX-512). Data movement only: exact.
// gcc's __builtin_shuffle; other compilers take transpose_head's element-by-element path.
#if defined(__GNUC__) && !defined(__clang__)
#define NG_SHUFFLE_TRANSPOSE 1
#else
#define NG_SHUFFLE_TRANSPOSE 0
#endif
typedef int32_t vi16 __attribute__((vector_size(64)));
template <int h>
NG_ALWAYS_INLINE void swap_blocks(vf16* x) {
  // lo: row i keeps its columns without bit h and takes row i + h's (j - h) at columns with it;
  // hi: row i + h takes row i's (j + h) at columns without bit h and keeps the others.
  constexpr vi16 lo = {0 & h ? 16 + 0 - h : 0, 1 & h ? 16 + 1 - h : 1, 2 & h ? 16 + 2 - h : 2, 3 & h ? 16 + 3 - h : 3,
                       4 & h ? 16 + 4 - h : 4, 5 & h ? 16 + 5 - h : 5, 6 & h ? 16 + 6 - h : 6, 7 & h ? 16 + 7 - h : 7,
                       8 & h ? 16 + 8 - h : 8, 9 & h ? 16 + 9 - h : 9, 10 & h ? 16 + 10 - h : 10, 11 & h ? 16 + 11 - h : 11,
                       12 & h ? 16 + 12 - h : 12, 13 & h ? 16 + 13 - h : 13, 14 & h ? 16 + 14 - h : 14,
                       15 & h ? 16 + 15 - h : 15};
  constexpr vi16 hi = {0 & h ? 16 : 0 + h, 1 & h ? 17 : 1 + h, 2 & h ? 18 : 2 + h, 3 & h ? 19 : 3 + h,
                       4 & h ? 20 : 4 + h, 5 & h ? 21 : 5 + h, 6 & h ? 22 : 6 + h, 7 & h ? 23 : 7 + h,
                       8 & h ? 24 : 8 + h, 9 & h ? 25 : 9 + h, 10 & h ? 26 : 10 + h, 11 & h ? 27 : 11 + h,
                       12 & h ? 28 : 12 + h, 13 & h ? 29 : 13 + h, 14 & h ? 30 : 14 + h, 15 & h ? 31 : 15 + h};
#if NG_SHUFFLE_TRANSPOSE
#pragma GCC unroll 16
  for (int i = 0; i < 16; i++) {
    if (i & h) continue;
    const vf16 a = x[i], b = x[i + h];
    x[i] = __builtin_shuffle(a, b, lo);
    x[i + h] = __builtin_shuffle(a, b, hi);
  }
#else
  (void)x;
#endif
}

// bt (D x ldbt, zero-padded to a multiple of kBK columns) = b^T for rows b_c = b + c * ldb, c < n.
// Rows of b are read whole (contiguous, prefetch-friendly: a head's rows are ldb apart in a
// packed qkv tensor that is usually not in L1). With `wide` (AVX-512), 16 x 16 blocks go through
// registers (swap_blocks); the rest element by element.
NG_ALWAYS_INLINE void transpose_head(float* bt, int64_t ldbt, const float* b, int64_t ldb, int64_t n, int64_t D,
                                    bool wide) {
  constexpr int64_t kAhead = 8;  // rows prefetched ahead (they come from L3 / memory)
  int64_t c0 = 0;
  const int64_t D16 = NG_SHUFFLE_TRANSPOSE && wide ? D / 16 * 16 : 0;
  if (D16 > 0) {
    for (; c0 + 16 <= n; c0 += 16) {
      for (int64_t c = c0 + 16; c < c0 + 32 && c < n; c++)
        for (int64_t d = 0; d < D; d += 16) __builtin_prefetch(b + c * ldb + d);
      for (int64_t d0 = 0; d0 < D16; d0 += 16) {
        vf16 x[16];
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++) x[i] = load16(b + (c0 + i) * ldb + d0);
        swap_blocks<8>(x);
        swap_blocks<4>(x);
        swap_blocks<2>(x);
        swap_blocks<1>(x);
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++) store16(bt + (d0 + i) * ldbt + c0, x[i]);
      }
      for (int64_t c = c0; c < c0 + 16; c++)  // head-dim columns past the last 16-block
        for (int64_t d = D16; d < D; d++) bt[d * ldbt + c] = b[c * ldb + d];
    }
  }
  for (int64_t c = c0; c < n; c++) {
    const float* row = b + c * ldb;
    if (c + kAhead < n)
      for (int64_t d = 0; d < D; d += 16) __builtin_prefetch(row + kAhead * ldb + d);
    for (int64_t d = 0; d < D; d++) bt[d * ldbt + c] = row[d];
  }
  for (int64_t d = 0; d < D; d++)
    for (int64_t c = n; c < ldbt; c++) bt[d * ldbt + c] = 0.0f;
}

// Rows r0 .. r0 + R - 1 of dot_tile, NV 16-float column vectors of each (NV = W / 16): the
// R * NV accumulators stay in registers and share each row of bt's NV loads. A row's sum is
// the same whatever R (the sum over d runs in order either way).
template <int R, int NV>
NG_ALWAYS_INLINE void dot_rows(float* s, const float* bt, int64_t ldbt, const float* a, int64_t lda, int64_t D) {
  vf16 acc[R][NV];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[r][v] = vf16{};
  for (int64_t d = 0; d < D; d++) {
    const float* bd = bt + d * ldbt;
    vf16 t[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) t[v] = load16(bd + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      const float x = a[r * lda + d];
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[r][v] += x * t[v];
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) store16(s + r * kBK + 16 * v, acc[r][v]);
}

// s[r][c] = a_r . b_c (sum over d in order) for r < ni and the first W columns of bt (b^T, rows
// ldbt apart; W = 64 or 32: a tile of at most 32 keys leaves the upper half of its rows
// unwritten); a_r = a + r * lda. Blocks of rows share the loads of bt: 4 rows of 64 columns (16
// accumulators) where the ISA has 32 vector registers (wide), else 2; 4 rows of 32 columns.
NG_ALWAYS_INLINE void dot_tile(float* s, const float* bt, int64_t ldbt, const float* a, int64_t lda, int64_t D,
                               int64_t ni, int64_t W, bool wide) {
  static_assert(kBK == 64, "dot_tile keeps a score row in at most four 16-float accumulators");
  int64_t r = 0;
  if (W == 32) {
    for (; r + 4 <= ni; r += 4) dot_rows<4, 2>(s + r * kBK, bt, ldbt, a + r * lda, lda, D);
    for (; r < ni; r++) dot_rows<1, 2>(s + r * kBK, bt, ldbt, a + r * lda, lda, D);
    return;
  }
  if (wide)
    for (; r + 4 <= ni; r += 4) dot_rows<4, 4>(s + r * kBK, bt, ldbt, a + r * lda, lda, D);
  for (; r + 2 <= ni; r += 2) dot_rows<2, 4>(s + r * kBK, bt, ldbt, a + r * lda, lda, D);
  for (; r < ni; r++) dot_rows<1, 4>(s + r * kBK, bt, ldbt, a + r * lda, lda, D);
}

// 32 vector registers (AVX-512): dot_tile's 4 x 64 blocks fit in them, and two-source shuffles
// are single instructions (transpose_head's 16 x 16 blocks).
inline bool wide_registers() { return isa_detail::isa_or_generic() == Isa::avx512; }

// The ISA build that runs has FMA (AVX2, AVX-512), the baseline build has not.
inline bool fma_builds() { return isa_detail::isa_or_generic() != Isa::generic; }

// a * b + c rounded once when `fused` (pass fma_builds(): true only inside the AVX2 / AVX-512
// builds, where std::fma is one instruction), else twice: what gcc's FMA contraction of the
// expression gives in each build, stated explicitly, because whether gcc contracts an expression
// changes with the code around it (a scalar update after a vectorized row sum was seen to flip).
NG_ALWAYS_INLINE float fma_isa(float a, float b, float c, bool fused) { return fused ? std::fma(a, b, c) : a * b + c; }

// Width of a key tile's score rows: the loops over a row run over W columns (a multiple of 16:
// fixed trip counts that vectorize); columns nj .. W - 1 are hidden keys (-inf scores, zero
// weights). A half-width tile (nj <= 32: the diagonal tiles of causal attention at T = 32 mod 64)
// does half the work; sums over the row are unchanged (row_sum / row_max over the zero / -inf
// tail of a full row give the same bits).
NG_ALWAYS_INLINE int64_t tile_width(int64_t nj) { return nj <= 32 ? 32 : kBK; }

// Raw dot products (dot_tile of q and k) -> scores: scale, masks, causal and padding -inf.
NG_ALWAYS_INLINE void finish_scores(float* s, const Head& hd, const AttnGeom& g, int64_t i0, int64_t ni, int64_t j0,
                                    int64_t nj, int64_t W) {
  for (int64_t r = 0; r < ni; r++) {
    const int64_t i = i0 + r;
    float* sr = s + r * kBK;
    for (int64_t c = 0; c < W; c++) sr[c] *= g.scale;
    if (hd.mask) {
      const float* mrow = hd.mask + i * g.Tk + j0;
      for (int64_t c = 0; c < nj; c++) sr[c] += mrow[c];
    }
    if (hd.kpm)
      for (int64_t c = 0; c < nj; c++) sr[c] += hd.kpm[j0 + c];
    int64_t lim = nj;  // keys c >= lim of the tile are hidden
    if (g.causal) {
      const int64_t vis = i + g.causal_offset - j0 + 1;
      lim = vis < 0 ? 0 : min64(vis, nj);
    }
    for (int64_t c = lim; c < W; c++) sr[c] = -INFINITY;
  }
}

// Rows c < n of an operand chunk (columns d0 .. d0 + nd): the rows themselves when the chunk is
// full (nd = kDC), else copied into pad (n x kDC, zero-padded). Sets *ld to the row stride.
NG_ALWAYS_INLINE const float* chunk_rows(float* pad, const float* x, int64_t ldx, int64_t n, int64_t d0, int64_t nd,
                                         int64_t* ld) {
  if (nd == kDC) {
    *ld = ldx;
    return x + d0;
  }
  for (int64_t r = 0; r < n; r++) {
    const float* xr = x + r * ldx + d0;
    float* pr = pad + r * kDC;
    for (int64_t dd = 0; dd < kDC; dd++) pr[dd] = 0.0f;
    for (int64_t dd = 0; dd < nd; dd++) pr[dd] = xr[dd];
  }
  *ld = kDC;
  return pad;
}

// Reads the chunk y[0, nd) (kDC floats readable when nd == kDC, else through buf) times scale.
NG_ALWAYS_INLINE void load_chunk(const float* y, float scale, int64_t nd, vf16* lo, vf16* hi) {
  static_assert(kDC == 32, "a chunk is two 16-float vectors");
  if (nd == kDC) {
    *lo = load16(y) * scale;
    *hi = load16(y + 16) * scale;
    return;
  }
  float buf[kDC];
  for (int64_t dd = 0; dd < kDC; dd++) buf[dd] = dd < nd ? y[dd] : 0.0f;
  *lo = load16(buf) * scale;
  *hi = load16(buf + 16) * scale;
}

NG_ALWAYS_INLINE void store_chunk(float* y, int64_t nd, vf16 lo, vf16 hi) {
  if (nd == kDC) {
    store16(y, lo);
    store16(y + 16, hi);
    return;
  }
  float buf[kDC];
  store16(buf, lo);
  store16(buf + 16, hi);
  for (int64_t dd = 0; dd < nd; dd++) y[dd] = buf[dd];
}

// For the rows t < nrows of y (row t at y + t * ldy, its weights w_t = w + t * wrow, read
// wstride apart, its scale at scale[t * sstride]):
//   y_t[0, nd) = y_t * scale_t + sum_{c < n, w_t[c] != 0} w_t[c] * x_c   (x_c = x + c * ldx, kDC
// readable columns), each row summed in order of c. Terms with weight 0 are skipped (masked
// keys: never touch their, possibly non-finite, rows). Four rows at a time (eight accumulators
// in registers hide the FMA latency and share the loads of x_c); each row's arithmetic is the
// same as for one row alone, so the result does not depend on the grouping.
NG_ALWAYS_INLINE void accumulate_rows(float* y, int64_t ldy, const float* scale, int64_t sstride, const float* w,
                                      int64_t wrow, int64_t wstride, const float* x, int64_t ldx, int64_t n,
                                      int64_t nd, int64_t nrows) {
  int64_t t = 0;
  for (; t + 4 <= nrows; t += 4) {
    float* y0 = y + t * ldy;
    const float* w0 = w + t * wrow;
    vf16 p0, p1, q0, q1, r0, r1, u0, u1;
    load_chunk(y0, scale[t * sstride], nd, &p0, &p1);
    load_chunk(y0 + ldy, scale[(t + 1) * sstride], nd, &q0, &q1);
    load_chunk(y0 + 2 * ldy, scale[(t + 2) * sstride], nd, &r0, &r1);
    load_chunk(y0 + 3 * ldy, scale[(t + 3) * sstride], nd, &u0, &u1);
    for (int64_t c = 0; c < n; c++) {
      const float* wc = w0 + c * wstride;
      const float a = wc[0], b = wc[wrow], e = wc[2 * wrow], f = wc[3 * wrow];
      const int nz = (a != 0.0f) + (b != 0.0f) + (e != 0.0f) + (f != 0.0f);
      if (nz == 0) continue;
      const float* xc = x + c * ldx;
      const vf16 x0 = load16(xc), x1 = load16(xc + 16);
      if (nz == 4) {
        p0 += a * x0;
        p1 += a * x1;
        q0 += b * x0;
        q1 += b * x1;
        r0 += e * x0;
        r1 += e * x1;
        u0 += f * x0;
        u1 += f * x1;
      } else {
        if (a != 0.0f) {
          p0 += a * x0;
          p1 += a * x1;
        }
        if (b != 0.0f) {
          q0 += b * x0;
          q1 += b * x1;
        }
        if (e != 0.0f) {
          r0 += e * x0;
          r1 += e * x1;
        }
        if (f != 0.0f) {
          u0 += f * x0;
          u1 += f * x1;
        }
      }
    }
    store_chunk(y0, nd, p0, p1);
    store_chunk(y0 + ldy, nd, q0, q1);
    store_chunk(y0 + 2 * ldy, nd, r0, r1);
    store_chunk(y0 + 3 * ldy, nd, u0, u1);
  }
  for (; t < nrows; t++) {
    float* yt = y + t * ldy;
    const float* wt = w + t * wrow;
    vf16 a0, a1;
    load_chunk(yt, scale[t * sstride], nd, &a0, &a1);
    for (int64_t c = 0; c < n; c++) {
      const float a = wt[c * wstride];
      if (a == 0.0f) continue;
      const float* xc = x + c * ldx;
      a0 += a * load16(xc);
      a1 += a * load16(xc + 16);
    }
    store_chunk(yt, nd, a0, a1);
  }
}

// Same sums with the terms of each row given by structure instead of by value: row t sums the
// terms c in [lo[t], hi[t]) (weight 0 included: only for finite operands, i.e. keys that no mask
// hides), in order of c. Used when the only hidden keys are the causal ones (no additive mask, no
// padding mask): then the visible terms of a row are one interval, and a group of four rows has
// a common dense interval that runs without any per-term test.
NG_ALWAYS_INLINE void accumulate_ranges(float* y, int64_t ldy, const float* scale, int64_t sstride, const float* w,
                                        int64_t wrow, int64_t wstride, const float* x, int64_t ldx, const int64_t* lo,
                                        const int64_t* hi, int64_t nd, int64_t nrows) {
  int64_t t = 0;
  for (; t + 4 <= nrows; t += 4) {
    float* y0 = y + t * ldy;
    const float* w0 = w + t * wrow;
    const int64_t l0 = lo[t], l1 = lo[t + 1], l2 = lo[t + 2], l3 = lo[t + 3];
    const int64_t h0 = hi[t], h1 = hi[t + 1], h2 = hi[t + 2], h3 = hi[t + 3];
    const int64_t cmin = std::min(std::min(l0, l1), std::min(l2, l3));
    const int64_t cmax = std::max(std::max(h0, h1), std::max(h2, h3));
    const int64_t d0 = std::max(std::max(l0, l1), std::max(l2, l3));                 // dense: [d0, d1)
    const int64_t d1 = std::max(d0, std::min(std::min(h0, h1), std::min(h2, h3)));
    vf16 p0, p1, q0, q1, r0, r1, u0, u1;
    load_chunk(y0, scale[t * sstride], nd, &p0, &p1);
    load_chunk(y0 + ldy, scale[(t + 1) * sstride], nd, &q0, &q1);
    load_chunk(y0 + 2 * ldy, scale[(t + 2) * sstride], nd, &r0, &r1);
    load_chunk(y0 + 3 * ldy, scale[(t + 3) * sstride], nd, &u0, &u1);
    auto partial = [&](int64_t c) NG_INLINE_LAMBDA {
      const float* wc = w0 + c * wstride;
      const float* xc = x + c * ldx;
      const vf16 x0 = load16(xc), x1 = load16(xc + 16);
      if (c >= l0 && c < h0) {
        p0 += wc[0] * x0;
        p1 += wc[0] * x1;
      }
      if (c >= l1 && c < h1) {
        q0 += wc[wrow] * x0;
        q1 += wc[wrow] * x1;
      }
      if (c >= l2 && c < h2) {
        r0 += wc[2 * wrow] * x0;
        r1 += wc[2 * wrow] * x1;
      }
      if (c >= l3 && c < h3) {
        u0 += wc[3 * wrow] * x0;
        u1 += wc[3 * wrow] * x1;
      }
    };
    for (int64_t c = cmin; c < d0 && c < cmax; c++) partial(c);
    for (int64_t c = d0; c < d1; c++) {
      const float* wc = w0 + c * wstride;
      const float a = wc[0], b = wc[wrow], e = wc[2 * wrow], f = wc[3 * wrow];
      const float* xc = x + c * ldx;
      const vf16 x0 = load16(xc), x1 = load16(xc + 16);
      p0 += a * x0;
      p1 += a * x1;
      q0 += b * x0;
      q1 += b * x1;
      r0 += e * x0;
      r1 += e * x1;
      u0 += f * x0;
      u1 += f * x1;
    }
    for (int64_t c = d1; c < cmax; c++) partial(c);
    store_chunk(y0, nd, p0, p1);
    store_chunk(y0 + ldy, nd, q0, q1);
    store_chunk(y0 + 2 * ldy, nd, r0, r1);
    store_chunk(y0 + 3 * ldy, nd, u0, u1);
  }
  for (; t < nrows; t++) {
    float* yt = y + t * ldy;
    const float* wt = w + t * wrow;
    vf16 a0, a1;
    load_chunk(yt, scale[t * sstride], nd, &a0, &a1);
    for (int64_t c = lo[t]; c < hi[t]; c++) {
      const float a = wt[c * wstride];
      const float* xc = x + c * ldx;
      a0 += a * load16(xc);
      a1 += a * load16(xc + 16);
    }
    store_chunk(yt, nd, a0, a1);
  }
}

// Visible keys of a tile when only the causal rule hides keys: query row r (i = i0 + r) sees the
// tile's keys c < vis_end[r]; key c is seen by the rows r >= first_row[c] (r < ni).
NG_ALWAYS_INLINE void causal_ranges(const AttnGeom& g, int64_t i0, int64_t ni, int64_t j0, int64_t nj,
                                    int64_t* vis_end, int64_t* first_row) {
  for (int64_t r = 0; r < ni; r++) {
    const int64_t e = g.causal ? i0 + r + g.causal_offset - j0 + 1 : nj;
    vis_end[r] = e < 0 ? 0 : min64(e, nj);
  }
  for (int64_t c = 0; c < nj; c++) {
    const int64_t f = g.causal ? j0 + c - i0 - g.causal_offset : 0;
    first_row[c] = f < 0 ? 0 : min64(f, ni);
  }
}

}  // namespace

void attention_forward(float* out, float* lse, const float* q, const float* k, const float* v, const float* mask,
                       const float* kpm, const AttnGeom& g) {
  // out: rows (B * Tq) with stride ldo, head h at columns [h D, h D + D)  lse: (B, H, Tq)
  // One item per (batch, head): its keys are transposed once (kt: D x ldkt) for all query blocks.
  // No item (B or H zero: every array is empty): return before a worker sizes its key buffer by Tk.
  if (g.B * g.H == 0) return;
  const int64_t ldkt = (g.Tk + kBK - 1) / kBK * kBK;
  const int64_t cost = (g.Tq < 1 ? 1 : g.Tq) * (g.Tk < 1 ? 1 : g.Tk) * (g.D < 1 ? 1 : g.D) * 2;
  const bool wide = wide_registers(), fused = fma_builds();
  run_isa(g.B * g.H, cost, [=, &g](int64_t it0, int64_t it1) NG_INLINE_LAMBDA {
    std::vector<float> ktbuf(static_cast<size_t>(g.D * ldkt));
    float* kt = ktbuf.data();
    float s[kBQ * kBK], pad[kBK * kDC], m[kBQ], l[kBQ], alpha[kBQ];
    // No additive or padding mask: the only hidden keys are the causal ones (see accumulate_ranges).
    const bool structural = !mask && !kpm;
    int64_t vis_end[kBQ], first_row[kBK], zeros[kBQ] = {};
    for (int64_t bh = it0; bh < it1; bh++) {
      const Head hd = head_of(q, k, v, mask, kpm, g, bh);
      transpose_head(kt, ldkt, hd.k, g.ldk, key_end(g, 0, g.Tq), g.D, wide);
      for (int64_t i0 = 0; i0 < g.Tq; i0 += kBQ) {
        const int64_t ni = min64(g.Tq - i0, kBQ);
        float* o = out + hd.b * g.Tq * g.ldo + hd.h * g.D + i0 * g.ldo;
        for (int64_t r = 0; r < ni; r++) {
          m[r] = -INFINITY;
          l[r] = 0.0f;
          for (int64_t d = 0; d < g.D; d++) o[r * g.ldo + d] = 0.0f;
        }
        const int64_t jend = key_end(g, i0, ni);
        for (int64_t j0 = 0; j0 < jend; j0 += kBK) {
          const int64_t nj = min64(jend - j0, kBK), W = tile_width(nj);
          dot_tile(s, kt + j0, ldkt, hd.q + i0 * g.ldq, g.ldq, g.D, ni, W, wide);
          finish_scores(s, hd, g, i0, ni, j0, nj, W);
          if (structural) causal_ranges(g, i0, ni, j0, nj, vis_end, first_row);
          for (int64_t r = 0; r < ni; r++) {  // online softmax: s becomes exp(score - running max)
            float* sr = s + r * kBK;
            const float mx = row_max(sr, W);
            const float mnew = mx > m[r] ? mx : m[r];
            if (mnew == -INFINITY) {  // every key so far is masked for this row
              for (int64_t c = 0; c < W; c++) sr[c] = 0.0f;
              alpha[r] = 1.0f;
              continue;
            }
            alpha[r] = exp_fast(m[r] - mnew);  // 0 when m[r] = -inf
            for (int64_t c = 0; c < W; c++) sr[c] = exp_fast(sr[c] - mnew);
            l[r] = fma_isa(l[r], alpha[r], row_sum(sr, W), fused);
            m[r] = mnew;
          }
          for (int64_t d0 = 0; d0 < g.D; d0 += kDC) {  // o = alpha o + p v
            const int64_t nd = min64(kDC, g.D - d0);
            int64_t ldx;
            const float* vx = chunk_rows(pad, hd.v + j0 * g.ldv, g.ldv, nj, d0, nd, &ldx);
            if (structural) accumulate_ranges(o + d0, g.ldo, alpha, 1, s, kBK, 1, vx, ldx, zeros, vis_end, nd, ni);
            else accumulate_rows(o + d0, g.ldo, alpha, 1, s, kBK, 1, vx, ldx, nj, nd, ni);
          }
        }
        float* lrow = lse + bh * g.Tq + i0;
        for (int64_t r = 0; r < ni; r++) {
          float* orow = o + r * g.ldo;
          if (l[r] == 0.0f) {  // fully masked row: zeros, lse = -inf
            lrow[r] = -INFINITY;
            continue;
          }
          const float inv = 1.0f / l[r];
          for (int64_t d = 0; d < g.D; d++) orow[d] *= inv;
          lrow[r] = m[r] + std::log(l[r]);
        }
      }
    }
  });
}

void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* q, const float* k,
                        const float* v, const float* out, const float* lse, const float* mask, const float* kpm,
                        const AttnGeom& g) {
  // dq, q: like q  dk, k / dv, v: like k / v  dout, out: like out  lse: (B, H, Tq)
  // One item per (batch, head); keys and values are transposed once per item.
  if (g.B * g.H == 0) return;  // no item, every array empty (as in attention_forward)
  const int64_t ldkt = (g.Tk + kBK - 1) / kBK * kBK;
  const int64_t cost = (g.Tq < 1 ? 1 : g.Tq) * (g.Tk < 1 ? 1 : g.Tk) * (g.D < 1 ? 1 : g.D) * 5;
  const bool wide = wide_registers();
  run_isa(g.B * g.H, cost, [=, &g](int64_t it0, int64_t it1) NG_INLINE_LAMBDA {
    std::vector<float> tbuf(static_cast<size_t>(2 * g.D * ldkt));
    float* kt = tbuf.data();
    float* vt = kt + g.D * ldkt;
    float P[kBQ * kBK], dS[kBQ * kBK], pad[kBK * kDC], delta[kBQ];
    const float one = 1.0f;
    const bool structural = !mask && !kpm;  // see attention_forward
    int64_t vis_end[kBQ], first_row[kBK], zeros[kBQ] = {}, ends_q[kBK] = {};
    for (int64_t bh = it0; bh < it1; bh++) {
      const Head hd = head_of(q, k, v, mask, kpm, g, bh);
      const int64_t qoff = hd.b * g.Tq * g.ldq + hd.h * g.D, koff = hd.b * g.Tk * g.ldk + hd.h * g.D;
      const int64_t voff = hd.b * g.Tk * g.ldv + hd.h * g.D, ooff = hd.b * g.Tq * g.ldo + hd.h * g.D;
      const float* lrow = lse + bh * g.Tq;
      const int64_t kend = key_end(g, 0, g.Tq);
      transpose_head(kt, ldkt, hd.k, g.ldk, kend, g.D, wide);
      transpose_head(vt, ldkt, hd.v, g.ldv, kend, g.D, wide);
      for (int64_t i0 = 0; i0 < g.Tq; i0 += kBQ) {
        const int64_t ni = min64(g.Tq - i0, kBQ);
        const float* go = dout + ooff + i0 * g.ldo;  // dout rows of the block
        for (int64_t r = 0; r < ni; r++) delta[r] = row_dot(go + r * g.ldo, out + ooff + (i0 + r) * g.ldo, g.D);
        const int64_t jend = key_end(g, i0, ni);
        for (int64_t j0 = 0; j0 < jend; j0 += kBK) {
          const int64_t nj = min64(jend - j0, kBK), W = tile_width(nj);
          dot_tile(P, kt + j0, ldkt, hd.q + i0 * g.ldq, g.ldq, g.D, ni, W, wide);
          finish_scores(P, hd, g, i0, ni, j0, nj, W);
          dot_tile(dS, vt + j0, ldkt, go, g.ldo, g.D, ni, W, wide);  // dP = dout v^T
          if (structural) {
            causal_ranges(g, i0, ni, j0, nj, vis_end, first_row);
            for (int64_t c = 0; c < nj; c++) ends_q[c] = ni;
          }
          for (int64_t r = 0; r < ni; r++) {
            float* p = P + r * kBK;
            float* ds = dS + r * kBK;
            const float L = lrow[i0 + r];
            if (L == -INFINITY) {  // fully masked row: no gradient
              for (int64_t c = 0; c < W; c++) p[c] = ds[c] = 0.0f;
              continue;
            }
            for (int64_t c = 0; c < W; c++) p[c] = exp_fast(p[c] - L);
            const float dr = delta[r], sc = g.scale;
            for (int64_t c = 0; c < W; c++) {  // branch-free (vectorizes); p == 0: 0 even if dP is not finite
              const float t = p[c] * (ds[c] - dr) * sc;
              ds[c] = p[c] == 0.0f ? 0.0f : t;
            }
          }
          for (int64_t d0 = 0; d0 < g.D; d0 += kDC) {
            const int64_t nd = min64(kDC, g.D - d0);
            int64_t ldx;
            if (dq) {  // dq_i += sum_j ds_ij k_j
              const float* kx = chunk_rows(pad, k + koff + j0 * g.ldk, g.ldk, nj, d0, nd, &ldx);
              if (structural) accumulate_ranges(dq + qoff + i0 * g.ldq + d0, g.ldq, &one, 0, dS, kBK, 1, kx, ldx, zeros, vis_end, nd, ni);
              else accumulate_rows(dq + qoff + i0 * g.ldq + d0, g.ldq, &one, 0, dS, kBK, 1, kx, ldx, nj, nd, ni);
            }
            if (dk) {  // dk_j += sum_i ds_ij q_i
              const float* qx = chunk_rows(pad, q + qoff + i0 * g.ldq, g.ldq, ni, d0, nd, &ldx);
              if (structural) accumulate_ranges(dk + koff + j0 * g.ldk + d0, g.ldk, &one, 0, dS, 1, kBK, qx, ldx, first_row, ends_q, nd, nj);
              else accumulate_rows(dk + koff + j0 * g.ldk + d0, g.ldk, &one, 0, dS, 1, kBK, qx, ldx, ni, nd, nj);
            }
            if (dv) {  // dv_j += sum_i p_ij dout_i
              const float* ox = chunk_rows(pad, go, g.ldo, ni, d0, nd, &ldx);
              if (structural) accumulate_ranges(dv + voff + j0 * g.ldv + d0, g.ldv, &one, 0, P, 1, kBK, ox, ldx, first_row, ends_q, nd, nj);
              else accumulate_rows(dv + voff + j0 * g.ldv + d0, g.ldv, &one, 0, P, 1, kBK, ox, ldx, ni, nd, nj);
            }
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
