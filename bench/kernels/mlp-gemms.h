// The eight GEMMs of one MLP training step (784-512-256-10, batch B) as the linear layer calls
// them, with random operands: shared by mlp-shapes.cc and mlp-threads.cc.
#pragma once
#include <cstdio>
#include <random>
#include <vector>

struct Shape { const char* what; bool ta, tb; long M, N, K; };

inline std::vector<Shape> mlp_gemms(long B) {
  static const long dims[] = {784, 512, 256, 10};
  static char names[3][3][32];
  std::vector<Shape> shapes;
  for (int l = 0; l < 3; ++l) {
    const long C = dims[l], OC = dims[l + 1];
    std::snprintf(names[l][0], 32, "L%d fwd  Y=XW^T", l + 1);
    std::snprintf(names[l][1], 32, "L%d dX   =dY W", l + 1);
    std::snprintf(names[l][2], 32, "L%d dW   =dY^T X", l + 1);
    shapes.push_back({names[l][0], false, true, B, OC, C});
    if (l > 0) shapes.push_back({names[l][1], false, false, B, C, OC});
    shapes.push_back({names[l][2], true, false, OC, C, B});
  }
  return shapes;
}

// Operands of one shape: A (M x K or K x M), B (K x N or N x K), C (M x N), uniform in [-1, 1).
struct Operands {
  long lda, ldb;
  std::vector<float> A, Bm, C;
  explicit Operands(const Shape& s)
      : lda(s.ta ? s.M : s.K), ldb(s.tb ? s.K : s.N), A(s.M * s.K), Bm(s.K * s.N), C(s.M * s.N) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1, 1);
    for (auto& x : A) x = u(rng);
    for (auto& x : Bm) x = u(rng);
  }
};
