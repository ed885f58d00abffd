// CPU time used by processes, read from /proc (Linux): how much of the machine a phase of a
// benchmark cost the app, beside the latency it showed. Per-message CPU is steadier than
// latency on a noisy machine, where a saturated process turns small costs into long queues.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User plus system CPU of a process so far, in milliseconds; NaN where /proc cannot tell. */
export function processCpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the name may hold spaces
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND; // utime, stime
  } catch {
    return NaN;
  }
}

/** Starts a CPU meter over some processes; `stop()` gives the CPU milliseconds each used meanwhile. */
export function cpuMeter(pids: (number | undefined)[]): { stop(): number[] } {
  const start = pids.map(processCpuMs);
  return { stop: () => pids.map((p, i) => processCpuMs(p) - start[i]) };
}

/** A CPU meter over the app's processes (summed) and the local Redis server. */
export function appAndRedisMeter(appPids: (number | undefined)[]): { stop(): { appMs: number; redisMs: number } } {
  const meter = cpuMeter([...appPids, redisServerPid()]);
  return {
    stop: () => {
      const used = meter.stop();
      const redisMs = used.pop()!;
      return { appMs: used.reduce((a, b) => a + b, 0), redisMs };
    },
  };
}

/** Starts a meter of the whole machine: `stop()` gives the busy share of all its cores meanwhile (0..1), from /proc/stat. */
export function machineMeter(): { stop(): number } {
  const read = () => {
    const [, ...f] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - (f[3] + (f[4] ?? 0)), total }; // idle and iowait are not busy
  };
  const start = read();
  return { stop: () => { const end = read(); return (end.busy - start.busy) / (end.total - start.total); } };
}

/** The local Redis server's process id, when it runs on this machine (undefined otherwise). */
export function redisServerPid(): number | undefined {
  try {
    return Number(execFileSync('pgrep', ['-o', '-x', 'redis-server'], { encoding: 'utf8' }).trim()) || undefined;
  } catch {
    return undefined;
  }
}
