/**
 * @internal The hook points of a captured step (lib/tensor/compile.ts): while ng.compile records
 * a step, new storages report to the sink (the capture keeps them: intermediates are its own),
 * host reads and uncapturable work block the capture, and an optimizer step runs as a dynamic
 * section (its kernels take per-step numbers: the step count, the learning rate).
 */
import type { OpKernels } from '../native';

export interface CaptureSink {
  /** A storage created while recording: the capture retains it until it is disposed. */
  storage(s: { retain(): unknown; release(): void }): void;
  /** Marks the recording as not replayable (the step then runs eagerly), naming why. */
  block(reason: string): void;
  /**
   * Runs `run` (an optimizer step) as a dynamic section: at each replay `reissue(k)` makes the
   * same kernel calls through k, without running them, and the numbers that changed are patched
   * into the recorded calls. `reissue` returns what undoes its host-side effects (a step
   * counter): called when the re-issued calls do not replay (a stale record, a failed replay).
   */
  dynamic<T>(reissue: (k: OpKernels) => () => void, run: () => T): T;
}

let current: CaptureSink | null = null;

/** The capture recording now, or null. */
export function captureSink(): CaptureSink | null {
  return current;
}

export function setCaptureSink(sink: CaptureSink | null): void {
  current = sink;
}
