// Embedding lookup: rows of a (V, D) table selected by int32 indices (the binding checks
// 0 <= idx < V). Backward is a deterministic scatter-add.
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace ng::cpu {

// out: (N, D)  weight: (V, D)  idx: (N)
void embedding_forward(float* out, const float* weight, const int32_t* idx, int64_t N, int64_t D);
// Row n of out (row_bytes each) = row idx[n] of src, for n < N (in parallel when large); the gather
// behind embedding_forward and gather_rows (a DataLoader's shuffled batch).
void copy_rows(void* out, const void* src, const int32_t* idx, int64_t N, int64_t row_bytes);
// dweight: (V, D) += scatter(dout (N, D)) by idx; repeated indices add in index order. Rows whose
// index equals padding_idx get no gradient (pass -1 for none).
void embedding_backward(float* dweight, const float* dout, const int32_t* idx, int64_t N, int64_t D,
                        int32_t padding_idx);

// text (issue 14): EmbeddingBag (see BagGeom in ops/kinds.h). Forward: bags in parallel.
// Backward: threads own column blocks of D and walk every bag in order (no races, the
// summation order per element is the index order, so results do not depend on the thread count).
void embedding_bag_forward(float* out, int32_t* max_idx, const float* w, const int32_t* idx, const int32_t* offsets,
                           const float* psw, const ops::BagGeom& g);
void embedding_bag_backward(float* dw, float* dpsw, const float* dout, const float* w, const int32_t* idx,
                            const int32_t* offsets, const float* psw, const int32_t* max_idx, const ops::BagGeom& g);

}  // namespace ng::cpu
