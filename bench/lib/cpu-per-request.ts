/**
 * CPU per request from /proc, a figure that a loaded machine skews far less than throughput: the
 * user + system time of the server process (all its threads) and, on PostgreSQL, of the database's
 * backends (the server's pooled connections: row-level security is evaluated there), divided by
 * the answers the load client received. Linux only; null elsewhere.
 */
import pg from "pg";
import { cpuSeconds } from "./proc.ts";

/** CPU seconds of a set of processes since `start`, read at `stop`. */
export interface CpuSpan {
  /** Seconds of CPU used since the span started (processes gone meanwhile are lost), or null. */
  stop(): Promise<number | null>;
}

/** The CPU of one process (all threads). */
export function processCpu(pid: number): CpuSpan {
  const before = cpuSeconds(pid);
  return {
    async stop() {
      const after = cpuSeconds(pid);
      return before == null || after == null ? null : after - before;
    },
  };
}

async function backendPids(databaseUrl: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/**
 * The CPU of a PostgreSQL database's backends (same machine). Backends opened during the span
 * count from zero; ones closed during it are lost (the server's pool keeps its connections).
 */
export async function databaseCpu(databaseUrl: string): Promise<CpuSpan> {
  const before = new Map<number, number>();
  for (const pid of await backendPids(databaseUrl)) {
    const s = cpuSeconds(pid);
    if (s != null) before.set(pid, s);
  }
  return {
    async stop() {
      let total = 0;
      for (const pid of await backendPids(databaseUrl)) {
        const s = cpuSeconds(pid);
        if (s != null) total += s - (before.get(pid) ?? 0);
      }
      return total;
    },
  };
}
