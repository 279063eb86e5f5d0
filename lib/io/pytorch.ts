/**
 * PyTorch state_dict key mapping: torch parameter/buffer names -> nodegrad names. nn.Linear's
 * (out, in) weight layout matches ours, so only names change: BatchNorm's running_mean /
 * running_var become runningMean / runningVar, and num_batches_tracked (no nodegrad counterpart)
 * is dropped.
 */
import type { RawTensor } from './safetensors';

const TORCH_NAMES: Readonly<Record<string, string>> = Object.freeze({ running_mean: 'runningMean', running_var: 'runningVar' });

/** The nodegrad name of a PyTorch state_dict key, or null for keys nodegrad has no counterpart of. */
export function torchKeyToNodegrad(key: string): string | null {
  const parts = key.split('.');
  const last = parts[parts.length - 1];
  if (last === 'num_batches_tracked') return null;
  parts[parts.length - 1] = TORCH_NAMES[last] ?? last;
  return parts.join('.');
}

/** A state dict with PyTorch keys renamed to nodegrad's (nodegrad keys pass through unchanged). */
export function fromTorchStateDict(tensors: Record<string, RawTensor>): Record<string, RawTensor> {
  const mapped: Record<string, RawTensor> = {};
  for (const [k, t] of Object.entries(tensors)) {
    const name = torchKeyToNodegrad(k);
    if (name !== null) mapped[name] = t;
  }
  return mapped;
}
