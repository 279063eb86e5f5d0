/**
 * SIGINT / SIGTERM during `nodegrad train`: the first signal aborts fit() (it finishes the step
 * in progress), so the caller can write a checkpoint and exit 130; a second signal exits at
 * once (130). Files are written atomically (temp file + rename), so exiting mid-write leaves
 * the previous file intact.
 */
export interface Interrupt {
  signal: AbortSignal;
  /** The signal that arrived first, if any. */
  received: NodeJS.Signals | null;
  dispose(): void;
}

export const INTERRUPTED_EXIT_CODE = 130;

export function onInterrupt(notify: (line: string) => void): Interrupt {
  const ac = new AbortController();
  const state: Interrupt = { signal: ac.signal, received: null, dispose };
  function handler(sig: NodeJS.Signals): void {
    if (state.received) {
      process.stderr.write(`\n${sig} again: exiting now\n`);
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    state.received = sig;
    notify(`\n${sig}: finishing the current step and writing a checkpoint (${sig} again exits at once)`);
    ac.abort();
  }
  function dispose(): void {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return state;
}

/** The command line that resumes this run: the same arguments with --resume <checkpoint>. */
export function resumeCommand(argv: readonly string[], checkpoint: string): string {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--resume') { i++; continue; }
    if (argv[i].startsWith('--resume=')) continue;
    args.push(argv[i]);
  }
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return ['nodegrad', ...args, '--resume', checkpoint].map(quote).join(' ');
}
