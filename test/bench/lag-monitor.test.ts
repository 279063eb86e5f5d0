// The eventloop bench case's lag monitor (bench/lib/lag.mjs): the worst gap, its split into the
// JS thread's run time and run-queue wait (Linux schedstat), and the sizing of each fit.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the bench suite, without type declarations
import { EVENTLOOP_DATA_N, eventLoopPlan, startLagMonitor } from '../../bench/lib/lag.mjs';
import { existsSync } from 'node:fs';

const hasSchedstat = existsSync('/proc/thread-self/schedstat');
const tick = () => new Promise<void>((r) => setTimeout(r, 5));

describe('bench lag monitor', () => {
  it('reports the worst gap, split into the JS thread\'s run time and its run-queue wait', async () => {
    const mon = startLagMonitor(1);
    await tick();
    const until = performance.now() + 30;
    let spins = 0;
    while (performance.now() < until) spins++; // holds the JS thread for 30 ms
    await tick();
    const r = mon.stop();
    expect(spins).toBeGreaterThan(0);
    expect(r.worstMs).toBeGreaterThanOrEqual(29);
    expect(r.ticks).toBeGreaterThan(1);
    if (!hasSchedstat) {
      expect(r.worstRunMs).toBeNull();
      expect(r.worstWaitMs).toBeNull();
      expect(r.worstNotWaitingMs).toBeNull();
      return;
    }
    // The worst gap is split into its two parts; what is not a wait is at most the gap itself.
    expect(r.worstRunMs).toBeGreaterThan(0);
    expect(r.worstWaitMs).toBeGreaterThanOrEqual(0);
    expect(r.worstNotWaitingMs).toBeLessThanOrEqual(r.worstMs + 1e-9);
    expect(r.worstNotWaitingMs).toBeGreaterThanOrEqual(r.worstMs - r.worstWaitMs - 1e-9);
  });

  it('sizes a fit as epochs over at most EVENTLOOP_DATA_N samples of whole batches (at least one batch)', () => {
    expect(EVENTLOOP_DATA_N).toBe(8192);
    expect(eventLoopPlan(2300, 128)).toEqual({ n: 8192, epochs: 36, steps: 2304 });
    expect(eventLoopPlan(10, 128)).toEqual({ n: 1280, epochs: 1, steps: 10 });
    expect(eventLoopPlan(100, 100)).toEqual({ n: 8100, epochs: 1, steps: 81 });
    expect(eventLoopPlan(0, 128)).toEqual({ n: 128, epochs: 1, steps: 1 });
    expect(eventLoopPlan(5, 10000)).toEqual({ n: 10000, epochs: 5, steps: 5 });
  });
});
