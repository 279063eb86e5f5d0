/** History: per-epoch training and validation logs returned by Trainer.fit. */
import type { HistoryLike } from './plots';

export class History implements HistoryLike {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};

  /** Records one epoch's logs (keys like loss, accuracy, val_loss, lr). */
  append(epoch: number, logs: Record<string, number>): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      if (!this.history[k]) this.history[k] = new Array(this.epoch.length - 1).fill(NaN);
      this.history[k].push(v);
    }
    for (const k of Object.keys(this.history)) {
      if (this.history[k].length < this.epoch.length) this.history[k].push(NaN);
    }
  }

  /** The last value of a key (NaN when absent). */
  last(key: string): number {
    const h = this.history[key];
    return h && h.length ? h[h.length - 1] : NaN;
  }

  /** Renders train/validation curves to an .svg or .png file; returns the path. */
  async plot(path: string, opts: { metrics?: string[]; title?: string } = {}): Promise<string> {
    const { plotHistory } = await import('./plots');
    return plotHistory(this, path, opts);
  }

  /** Rebuilds a History from toJSON() output (checkpoints, worker threads). */
  static fromJSON(json: { epoch: number[]; history: Record<string, number[]> }): History {
    const h = new History();
    json.epoch.forEach((e, i) => h.append(e, Object.fromEntries(
      Object.entries(json.history).map(([k, v]) => [k, v[i] ?? NaN]))));
    return h;
  }

  toJSON(): { epoch: number[]; history: Record<string, number[]> } {
    return { epoch: this.epoch.slice(), history: Object.fromEntries(Object.entries(this.history).map(([k, v]) => [k, v.slice()])) };
  }
}
