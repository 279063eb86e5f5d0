// Event-loop lag monitor: a setInterval(intervalMs) timer records how late each tick fires.
// lag = (time since the previous tick) - intervalMs, clamped at 0. Used in-process by the
// eventloop case's children (nodegrad and tfjs) so both are measured the same way.
// It also records the process CPU time spent between two ticks (worstSliceCpuMs): the longest
// stretch of work that held the loop, measured in CPU time, so that other processes on a loaded
// machine (which delay timers but use no CPU time of ours) do not count.
// Where Linux exposes it (/proc/thread-self/schedstat), each gap is split further by the JS
// thread's own scheduler statistics: the time it ran and the time it was ready to run but waited
// in a run queue for a CPU held by another thread (a kernel thread, another process, or one of
// this process's own worker threads). worstWaitMs / worstRunMs are those two parts of the worst
// gap; worstNotWaitingMs is the longest gap once its run-queue wait is taken out (the JS thread
// running, or asleep past its timer). One pread of that file per tick, ~5 us.
import { closeSync, openSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export function startLagMonitor(intervalMs = 1) {
  const lags = [];
  const sched = openSchedstat();
  let worstSliceCpuMs = 0;
  let worst = { lag: -1, runMs: null, waitMs: null };
  let worstNotWaitingMs = sched ? 0 : null;
  let prevCpu = cpuMs();
  let prevSched = sched?.read();
  let prev = performance.now();
  // one gap: its lag, and (where schedstat is readable) how much of it the JS thread waited for a CPU
  const record = (lag) => {
    lags.push(lag);
    if (sched) {
      const s = sched.read();
      const runMs = s.runMs - prevSched.runMs;
      const waitMs = s.waitMs - prevSched.waitMs;
      prevSched = s;
      worstNotWaitingMs = Math.max(worstNotWaitingMs, lag - Math.min(lag, waitMs));
      if (lag > worst.lag) worst = { lag, runMs, waitMs };
    } else if (lag > worst.lag) {
      worst = { lag, runMs: null, waitMs: null };
    }
  };
  const timer = setInterval(() => {
    const c = cpuMs();
    worstSliceCpuMs = Math.max(worstSliceCpuMs, c - prevCpu);
    prevCpu = c;
    const now = performance.now();
    record(Math.max(0, now - prev - intervalMs));
    prev = now;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      // the gap up to the moment we stop counts too (a blocked loop may never have ticked)
      const tail = performance.now() - prev - intervalMs;
      if (tail > 0) record(tail);
      worstSliceCpuMs = Math.max(worstSliceCpuMs, cpuMs() - prevCpu);
      sched?.close();
      return { ...summarizeLags(lags), worstSliceCpuMs, worstRunMs: worst.runMs, worstWaitMs: worst.waitMs, worstNotWaitingMs };
    },
  };
}

// The calling thread's scheduler statistics (Linux): time on a CPU and time waiting in a run
// queue, in ms since the thread started; null where the file is missing or unreadable.
function openSchedstat() {
  let fd;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return null;
  }
  const buf = Buffer.alloc(128);
  const read = () => {
    const n = readSync(fd, buf, 0, buf.length, 0);
    const [run, wait] = buf.toString('latin1', 0, n).trim().split(/\s+/).map(Number);
    return { runMs: run / 1e6, waitMs: wait / 1e6 };
  };
  try {
    const s = read();
    if (!Number.isFinite(s.runMs) || !Number.isFinite(s.waitMs)) throw new Error('unexpected schedstat format');
  } catch {
    closeSync(fd);
    return null;
  }
  return { read, close: () => closeSync(fd) };
}

// The data set of each fit in the eventloop case (nodegrad and tfjs alike), in samples: the mlp
// case's size. A data set sized for ~5 s in one epoch took ~1.8 GB at nodegrad's speed (the JS
// array and the tensor), and on a machine whose kernel samples process memory (DAMON's kdamond;
// bench/kernels/README.md, "Event-loop lag during fit()") the sampler's runs, which take a CPU
// from the JS thread, grew with it.
export const EVENTLOOP_DATA_N = 8192;

/** Epochs over at most EVENTLOOP_DATA_N samples (whole batches, at least one) that make about `steps` steps. */
export function eventLoopPlan(steps, batch) {
  const perEpoch = Math.max(1, Math.min(steps, Math.floor(EVENTLOOP_DATA_N / batch)));
  const epochs = Math.max(1, Math.round(steps / perEpoch));
  return { n: perEpoch * batch, epochs, steps: perEpoch * epochs };
}

export function summarizeLags(lags) {
  const s = [...lags].sort((a, b) => a - b);
  const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))] : null);
  return { ticks: s.length, worstMs: s.length ? s[s.length - 1] : null, p99Ms: q(0.99), p50Ms: q(0.5) };
}

/** CPU time of this process (all threads), in ms. */
export function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
}
