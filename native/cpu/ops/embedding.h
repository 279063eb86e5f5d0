// Embedding lookup: rows of a (V, D) table selected by int32 indices (the binding checks
// 0 <= idx < V). Backward is a deterministic scatter-add.
#pragma once
#include <cstdint>

namespace ng::cpu {

// out: (N, D)  weight: (V, D)  idx: (N)
void embedding_forward(float* out, const float* weight, const int32_t* idx, int64_t N, int64_t D);
// dweight: (V, D) += scatter(dout (N, D)) by idx; repeated indices add in index order. Rows whose
// index equals padding_idx get no gradient (pass -1 for none).
void embedding_backward(float* dweight, const float* dout, const int32_t* idx, int64_t N, int64_t D,
                        int32_t padding_idx);

}  // namespace ng::cpu
