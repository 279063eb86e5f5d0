// Event-loop lag monitor: a setInterval(intervalMs) timer records how late each tick fires.
// lag = (time since the previous tick) - intervalMs, clamped at 0. Used in-process by the
// eventloop case's children (nodegrad and tfjs) so both are measured the same way.
// It also records the process CPU time spent between two ticks (worstSliceCpuMs): the longest
// stretch of work that held the loop, measured in CPU time, so that other processes on a loaded
// machine (which delay timers but use no CPU time of ours) do not count.
import { performance } from 'node:perf_hooks';

export function startLagMonitor(intervalMs = 1) {
  const lags = [];
  let worstSliceCpuMs = 0;
  let prevCpu = cpuMs();
  let prev = performance.now();
  const timer = setInterval(() => {
    const c = cpuMs();
    worstSliceCpuMs = Math.max(worstSliceCpuMs, c - prevCpu);
    prevCpu = c;
    const now = performance.now();
    lags.push(Math.max(0, now - prev - intervalMs));
    prev = now;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      // the gap up to the moment we stop counts too (a blocked loop may never have ticked)
      const tail = performance.now() - prev - intervalMs;
      if (tail > 0) lags.push(tail);
      worstSliceCpuMs = Math.max(worstSliceCpuMs, cpuMs() - prevCpu);
      return { ...summarizeLags(lags), worstSliceCpuMs };
    },
  };
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
