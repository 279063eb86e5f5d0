#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

// The weight gradient by broadcasts (see conv2d_dweight.h). Against the lane-sum kernel of
// conv2d.cc (output positions along the lanes: 3 + 8 loads per 24 FMAs, a 14-wide row in a
// 16-lane vector, its 24 accumulators loaded and stored per image and reduced per chunk) and
// im2col + GEMM, batch 64, 1 thread, AMD EPYC Zen 5 (bench/kernels/conv-parts.mjs, us):
//   32 -> 32 3x3 p1 14x14     2115 -> 1269      16 -> 32 3x3 s2 p1 28x28   1429 -> 735
//   16 -> 16 3x3 p1 28x28     1931 -> 1423      16 -> 32 1x1 s2 28x28       231 -> 162
//   16 -> 32 5x5 p2 14x14     3218 -> 1667 (GEMM before)
#include "cpu/ops/conv2d_dweight.h"

#include <algorithm>
#include <cstring>

#include "core/intrinsics_x86.h"
#include "cpu/ops/isa_dispatch.h"
#include "cpu/ops/prefetch_spread.h"

namespace ng::cpu {

namespace {
int64_t padded_h(const BcastDweightGeom& g) { return g.H + 2 * g.ph; }
int64_t padded_w(const BcastDweightGeom& g) { return g.W + 2 * g.pw; }
bool has_padding(const BcastDweightGeom& g) { return g.ph > 0 || g.pw > 0; }
}  // namespace

int64_t BcastDweightGeom::scratch_floats() const {
  return OH * OW * Co + (has_padding(*this) ? Ci * padded_h(*this) * padded_w(*this) : 0);
}

bool bcast_dweight_ok(const ng::ops::Conv2dGeom& s) {
#if NG_X86
  const int64_t OCg = s.OC / s.groups;
  return isa_detail::isa_or_generic() == Isa::avx512 && OCg > 0 && OCg % 16 == 0 && s.dw == 1 &&
         (s.KW == 1 || s.KW == 3 || s.KW == 5 || s.KW == 7) && s.C / s.groups * s.KH >= 4;
#else
  (void)s;
  return false;
#endif
}

void bcast_dweight_add_transposed(float* dw, const float* dwt, int64_t Co, int64_t K) {
  for (int64_t o = 0; o < Co; o++)
    for (int64_t k = 0; k < K; k++) dw[o * K + k] += dwt[k * Co + o];
}

#if NG_X86
namespace {

// rows L x KW of dwt (line l, tap j at row l KW + j; rows Co floats apart) += the sums over every
// output position of line[l][oh sh Wp + ow sw + j] * dT[oh OW + ow][16 v ..] for V vectors.
template <int L, int KW, int V>
NG_TARGET_AVX512 void bcast_tile(float* __restrict dwt, const float* __restrict dT, const float* const* line,
                                 int64_t Co, int64_t OH, int64_t OW, int64_t rstep, int64_t sw, PrefetchSpread* pf) {
  const float* ln[L];
#pragma GCC unroll 12
  for (int l = 0; l < L; l++) ln[l] = line[l];
  __m512 acc[L][KW][V];
#pragma GCC unroll 12
  for (int l = 0; l < L; l++)
#pragma GCC unroll 7
    for (int j = 0; j < KW; j++)
#pragma GCC unroll 4
      for (int v = 0; v < V; v++) acc[l][j][v] = _mm512_loadu_ps(dwt + (l * KW + j) * Co + 16 * v);
  for (int64_t oh = 0; oh < OH; oh++) {
    pf[0].pump();
    pf[1].pump();
    const float* dr = dT + oh * OW * Co;
    int64_t idx = oh * rstep;
    for (int64_t ow = 0; ow < OW; ow++, dr += Co, idx += sw) {
      __m512 d[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; v++) d[v] = _mm512_loadu_ps(dr + 16 * v);
#pragma GCC unroll 12
      for (int l = 0; l < L; l++)
#pragma GCC unroll 7
        for (int j = 0; j < KW; j++) {
          const __m512 b = _mm512_set1_ps(ln[l][idx + j]);
#pragma GCC unroll 4
          for (int v = 0; v < V; v++) acc[l][j][v] = _mm512_fmadd_ps(b, d[v], acc[l][j][v]);
        }
    }
  }
#pragma GCC unroll 12
  for (int l = 0; l < L; l++)
#pragma GCC unroll 7
    for (int j = 0; j < KW; j++)
#pragma GCC unroll 4
      for (int v = 0; v < V; v++) _mm512_storeu_ps(dwt + (l * KW + j) * Co + 16 * v, acc[l][j][v]);
}

// Lines [q0, q1) (line q = (c, kh) = (q / KH, q % KH)) in tiles of L, then the rest in halves.
template <int KW, int V, int L>
void bcast_lines(float* dwt, const float* dT, const float* xp, int64_t q0, int64_t q1, const BcastDweightGeom& g,
                 int64_t Wp, int64_t plane, PrefetchSpread* pf) {
  for (; q1 - q0 >= L; q0 += L) {
    const float* line[L];
    for (int l = 0; l < L; l++) {
      const int64_t q = q0 + l;
      line[l] = xp + (q / g.KH) * plane + (q % g.KH) * g.dh * Wp;
    }
    bcast_tile<L, KW, V>(dwt + q0 * KW * g.Co, dT, line, g.Co, g.OH, g.OW, g.sh * Wp, g.sw, pf);
  }
  if constexpr (L > 1) bcast_lines<KW, V, L / 2>(dwt, dT, xp, q0, q1, g, Wp, plane, pf);
}

// Every line, for the output-channel blocks of V vectors; pf: the next image's operands,
// fetched a few lines per output row of every tile.
template <int KW, int V>
void bcast_all(float* dwt, const float* dT, const float* xp, const BcastDweightGeom& g, int64_t Wp, int64_t plane,
               const float* next_dp, const float* next_in) {
  constexpr int L = std::min(12, 24 / (KW * V));
  static_assert(L >= 1, "tile wider than the registers");
  const int64_t lines = g.Ci * g.KH, blocks = (g.Co + 16 * V - 1) / (16 * V);
  const int64_t rows = g.OH * blocks * (lines / L + 2);  // about the number of pumps
  PrefetchSpread pf[2] = {{next_dp, g.Co * g.OH * g.OW, rows}, {next_in, g.Ci * g.H * g.W, rows}};
  for (int64_t o0 = 0; o0 < g.Co; o0 += 16 * V)
    bcast_lines<KW, V, L>(dwt + o0, dT + o0, xp, 0, lines, g, Wp, plane, pf);
}

template <int KW>
void bcast_kw(float* dwt, const float* dT, const float* xp, const BcastDweightGeom& g, int64_t Wp, int64_t plane,
              const float* next_dp, const float* next_in) {
  if constexpr (KW * 4 <= 24) {
    if (g.Co % 64 == 0) return bcast_all<KW, 4>(dwt, dT, xp, g, Wp, plane, next_dp, next_in);
  }
  if (g.Co % 32 == 0) return bcast_all<KW, 2>(dwt, dT, xp, g, Wp, plane, next_dp, next_in);
  bcast_all<KW, 1>(dwt, dT, xp, g, Wp, plane, next_dp, next_in);
}

// dT (P, Co) rows p0 .. p0 + np (np <= 16), columns o0 .. o0 + 15 = dp (Co, P) rows o0 ..,
// columns p0 ..: 16 masked row loads, a 16 x 16 transpose in registers (32-bit, 64-bit, then
// 128-bit interleaves), np row stores.
NG_TARGET_AVX512 void transpose_block(float* __restrict dT, const float* __restrict dp, int64_t P, int64_t Co,
                                      int64_t np) {
  const __mmask16 m = lanes16(np);
  __m512 r[16], t[16];
#pragma GCC unroll 16
  for (int o = 0; o < 16; o++) r[o] = _mm512_maskz_loadu_ps(m, dp + o * P);
#pragma GCC unroll 8
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // r[4 i + m], 128-bit lane k: column 4 k + m of rows 4 i .. 4 i + 3
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++) {
    r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
#pragma GCC unroll 4
  for (int mm = 0; mm < 4; mm++) {
    const __m512 w0 = _mm512_shuffle_f32x4(r[mm], r[4 + mm], 0x44);
    const __m512 w1 = _mm512_shuffle_f32x4(r[mm], r[4 + mm], 0xEE);
    const __m512 w2 = _mm512_shuffle_f32x4(r[8 + mm], r[12 + mm], 0x44);
    const __m512 w3 = _mm512_shuffle_f32x4(r[8 + mm], r[12 + mm], 0xEE);
    t[mm] = _mm512_shuffle_f32x4(w0, w2, 0x88);
    t[4 + mm] = _mm512_shuffle_f32x4(w0, w2, 0xDD);
    t[8 + mm] = _mm512_shuffle_f32x4(w1, w3, 0x88);
    t[12 + mm] = _mm512_shuffle_f32x4(w1, w3, 0xDD);
  }
#pragma GCC unroll 16
  for (int j = 0; j < 16; j++)
    if (j < np) _mm512_storeu_ps(dT + j * Co, t[j]);
}

NG_TARGET_AVX512 void transpose_dpre(float* __restrict dT, const float* __restrict dp, int64_t Co, int64_t P) {
  for (int64_t o0 = 0; o0 < Co; o0 += 16)
    for (int64_t p0 = 0; p0 < P; p0 += 16)
      transpose_block(dT + p0 * Co + o0, dp + o0 * P + p0, P, Co, std::min<int64_t>(16, P - p0));
}

// The interiors of the padded planes (Ci, Hp, Wp) = in (Ci, H, W); the borders stay as
// bcast_dweight_begin left them (zero).
NG_TARGET_AVX512 void copy_interior(float* __restrict xp, const float* __restrict in, const BcastDweightGeom& g,
                                    int64_t Wp, int64_t plane) {
  const int64_t W = g.W, nfull = W / 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (W % 16)) - 1u);
  for (int64_t c = 0; c < g.Ci; c++)
    for (int64_t h = 0; h < g.H; h++) {
      float* r = xp + c * plane + (g.ph + h) * Wp + g.pw;
      const float* s = in + (c * g.H + h) * W;
      for (int64_t v = 0; v < nfull; v++) _mm512_storeu_ps(r + 16 * v, _mm512_loadu_ps(s + 16 * v));
      if (tail) _mm512_mask_storeu_ps(r + 16 * nfull, tail, _mm512_maskz_loadu_ps(tail, s + 16 * nfull));
    }
}

}  // namespace
#endif

void bcast_dweight_begin(float* scratch, const BcastDweightGeom& g) {
  if (!has_padding(g)) return;
  float* x = scratch + g.OH * g.OW * g.Co;
  std::fill(x, x + g.Ci * padded_h(g) * padded_w(g), 0.0f);
}

void bcast_dweight_image(float* dwt, const float* dp, const float* in, float* scratch, const BcastDweightGeom& g,
                         const float* next_dp, const float* next_in) {
#if NG_X86
  const int64_t P = g.OH * g.OW, Co = g.Co;
  float* dT = scratch;
  transpose_dpre(dT, dp, Co, P);
  const int64_t Hp = padded_h(g), Wp = padded_w(g), plane = Hp * Wp;
  const float* xp = in;
  if (has_padding(g)) {
    float* x = scratch + P * Co;
    copy_interior(x, in, g, Wp, plane);
    xp = x;
  }
  switch (g.KW) {
    case 1: bcast_kw<1>(dwt, dT, xp, g, Wp, plane, next_dp, next_in); break;
    case 3: bcast_kw<3>(dwt, dT, xp, g, Wp, plane, next_dp, next_in); break;
    case 5: bcast_kw<5>(dwt, dT, xp, g, Wp, plane, next_dp, next_in); break;
    default: bcast_kw<7>(dwt, dT, xp, g, Wp, plane, next_dp, next_in); break;
  }
#else
  (void)dwt;
  (void)dp;
  (void)in;
  (void)scratch;
  (void)g;
  (void)next_dp;
  (void)next_in;
#endif
}

}  // namespace ng::cpu
