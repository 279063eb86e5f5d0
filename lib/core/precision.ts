/**
 * Mixed precision: bf16 GEMMs with fp32 accumulation and fp32 master weights (docs/PRECISION.md).
 *
 * `ng.autocast('bf16', fn)` runs fn with every GEMM (linear, conv, matmul; forward and backward)
 * multiplying bfloat16-rounded inputs and summing in fp32 (AVX512_BF16 `vdpbf16ps`). Weights,
 * gradients, optimizer state, activations and every non-GEMM op stay fp32. Where the CPU has no
 * AVX512_BF16 (or NODEGRAD_ISA / NODEGRAD_BF16=0 turns it off), bf16 requests warn once per
 * process (warning code NODEGRAD_BF16_UNAVAILABLE) and run in fp32.
 *
 * The precision is a process-wide setting of the native GEMM, set and restored around fn's
 * synchronous run: code that runs later (after an `await` inside fn) sees the outer precision.
 */
import { native } from '../native';
import { assertOneOf, typeError } from './validate';

export type Precision = 'fp32' | 'bf16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'bf16'];

/** True where bf16 GEMMs run natively: the CPU has AVX512_BF16 and the avx512 kernels are active. */
export function bf16Native(): boolean {
  return native.bf16Native();
}

let warned = false;

/**
 * The precision that runs for a request (validated): 'bf16' only where bf16Native(); otherwise
 * 'fp32', with one process warning the first time.
 */
export function resolvePrecision(precision: unknown, name = 'precision'): Precision {
  assertOneOf(precision, name, PRECISIONS);
  if (precision === 'bf16' && !native.bf16Native()) {
    if (!warned) {
      warned = true;
      process.emitWarning(
        `bf16 precision was requested but bf16 GEMMs are not available here (${bf16Reason()}); running fp32`,
        { code: 'NODEGRAD_BF16_UNAVAILABLE' });
    }
    return 'fp32';
  }
  return precision;
}

function bf16Reason(): string {
  if (native.buildInfo().bf16) return `the active ISA is ${native.activeIsa()}, bf16 needs avx512`;
  if (process.env.NODEGRAD_BF16 === '0') return 'NODEGRAD_BF16=0';
  return 'this CPU has no AVX512_BF16';
}

/** The precision GEMMs run at now ('bf16' only inside autocast('bf16', ...) where bf16 is native). */
export function getPrecision(): Precision {
  return native.getGemmPrecision() as Precision;
}

/**
 * Runs fn with GEMMs at `precision` and returns its result; the previous precision is restored
 * afterwards, also when fn throws. Nests. Like PyTorch's `torch.autocast(device_type='cpu',
 * dtype=torch.bfloat16)`; tensors stay fp32 (there is no bf16 tensor dtype).
 *
 *     const loss = ng.autocast('bf16', () => {
 *       const l = ng.losses.crossEntropy(model.forward(x), y);
 *       l.backward();   // the backward GEMMs run in bf16 too
 *       return l;
 *     });
 *     opt.step();       // fp32 master weights
 */
export function autocast<T>(precision: Precision, fn: () => T): T {
  const p = resolvePrecision(precision);
  if (typeof fn !== 'function') typeError('function', 'fn', fn);
  const prev = native.getGemmPrecision();
  native.setGemmPrecision(p);
  try {
    return fn();
  } finally {
    native.setGemmPrecision(prev);
  }
}
