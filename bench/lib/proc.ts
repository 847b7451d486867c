/** Linux process sampling (/proc): resident memory and CPU time of a server process. */
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

/** Resident set size in bytes, or null when the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf-8");
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** User + system CPU time consumed so far, in seconds, or null. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf-8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** A CPU meter: share of one core used by `pid` between `start()` and `stop()`. */
export function cpuMeter(pid: number): { stop(): number | null } {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  return {
    stop() {
      const cpu1 = cpuSeconds(pid);
      const wall = (performance.now() - t0) / 1000;
      if (cpu0 == null || cpu1 == null || wall <= 0) return null;
      return (cpu1 - cpu0) / wall;
    },
  };
}

/** Samples the peak RSS of `pid` every `everyMs` until stopped. */
export function rssPeak(pid: number, everyMs = 250): { stop(): number | null } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    const now = rssBytes(pid);
    if (now != null && (peak == null || now > peak)) peak = now;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const now = rssBytes(pid);
      if (now != null && (peak == null || now > peak)) peak = now;
      return peak;
    },
  };
}

/**
 * Asks a bench server to run a full garbage collection (SIGUSR2, handled by bench/gc-hook.mjs
 * preloaded with --expose-gc), waits for it, and returns the resident memory then.
 */
export async function rssAfterGc(pid: number): Promise<number | null> {
  try {
    process.kill(pid, "SIGUSR2");
  } catch {
    return null;
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return rssBytes(pid);
}
