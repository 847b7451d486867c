/**
 * Cluster-wide gauges read from the database at scrape time: queue depth, the age of the oldest
 * queued run, runs and threads by status. Every replica reports the same values (they describe the
 * shared database); dashboards use `max()` across instances. One read feeds all gauges of a scrape.
 */
import { Gauge, type Registry } from "prom-client";

/** What one read of the database reports. */
export interface DbSnapshot {
  /** Runs pending and already available to a worker. */
  queueDepth: number;
  /** Seconds the oldest available pending run has waited (0 when none). */
  oldestWaitSeconds: number;
  runsByStatus: Record<string, number>;
  threadsByStatus: Record<string, number>;
}

/** Reads a snapshot; throws when the database is unreachable. */
export type DbSnapshotSource = () => Promise<DbSnapshot>;

/** The names registered here (they describe the shared database, not one thread's work). */
export const DB_GAUGE_NAMES = [
  "olg_db_up",
  "olg_run_queue_depth",
  "olg_run_queue_oldest_wait_seconds",
  "olg_runs_current",
  "olg_threads",
];

const RUN_STATUSES = ["pending", "running"];
const THREAD_STATUSES = ["idle", "busy", "interrupted", "error"];

/** Registers the database gauges, plus `olg_db_up` (1 when the last read succeeded). */
export function registerDbGauges(registry: Registry, source: DbSnapshotSource): void {
  let pending: Promise<DbSnapshot | null> | null = null;
  // prom-client starts every collect of a scrape in the same pass: they share the in-flight read,
  // and the next scrape reads afresh (no stale values between scrapes).
  const snapshot = (): Promise<DbSnapshot | null> => {
    if (!pending) {
      const read = source().catch(() => null);
      pending = read;
      void read.finally(() => {
        if (pending === read) pending = null;
      });
    }
    return pending;
  };
  const registers = [registry];
  new Gauge({
    name: "olg_db_up",
    help: "1 when the database answered the last metrics read, else 0",
    registers,
    async collect() {
      this.set((await snapshot()) ? 1 : 0);
    },
  });
  new Gauge({
    name: "olg_run_queue_depth",
    help: "Pending runs available to workers (cluster-wide)",
    registers,
    async collect() {
      const s = await snapshot();
      if (s) this.set(s.queueDepth);
    },
  });
  new Gauge({
    name: "olg_run_queue_oldest_wait_seconds",
    help: "Age of the oldest available pending run (cluster-wide)",
    registers,
    async collect() {
      const s = await snapshot();
      if (s) this.set(s.oldestWaitSeconds);
    },
  });
  new Gauge({
    name: "olg_runs_current",
    help: "Runs pending or running in the database, by status (cluster-wide)",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      for (const status of RUN_STATUSES) this.set({ status }, s.runsByStatus[status] ?? 0);
    },
  });
  new Gauge({
    name: "olg_threads",
    help: "Threads by status (cluster-wide)",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      const statuses = new Set([...THREAD_STATUSES, ...Object.keys(s.threadsByStatus)]);
      for (const status of statuses) this.set({ status }, s.threadsByStatus[status] ?? 0);
    },
  });
}
