/**
 * How many runs one process executes at once when the operator did not say (`server.workers`,
 * `--workers`, `N_JOBS_PER_WORKER`). Graph code runs on this process's event loop, so more than
 * 4 runs in flight per CPU only queue behind each other (and delay HTTP); every run needs a pool
 * connection for its claim, its checkpoint writes and its finish, so more slots than the pool
 * (less 2 kept for HTTP reads and the LISTEN-driven paths) only queue on the pool. At least 2.
 * Measured on 2 CPUs with the default pool of 10: 8 slots (the former constant was 10).
 */
export function defaultConcurrency(cpus: number, poolMax: number | undefined): number {
  const byCpu = 4 * Math.max(1, cpus);
  const byPool = poolMax == null ? byCpu : poolMax - 2;
  return Math.max(2, Math.min(byCpu, byPool));
}
