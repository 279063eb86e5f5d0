// Case: single-precision GEMM, nodegrad vs OpenBLAS cblas_sgemm (forced SkylakeX kernel and
// as shipped), squares 128..4096 (4096 skipped in quick mode) and the MLP 784-512-256-10
// forward/backward shapes, at each thread count, with the FMA peak probe. The measuring is
// done by the C++ program in bench/gemm/ (see bench/gemm/run.mjs).
import { runGemm } from '../gemm/run.mjs';

export async function run({ quick = false, threads = [1, 2], log = () => {} } = {}) {
  const res = await runGemm({ quick, threads, log });
  return { name: 'gemm', rows: res.rows, notes: res.notes };
}
