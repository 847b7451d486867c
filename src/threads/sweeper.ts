/** The TTL sweeper: applies expired thread TTLs on a fixed interval until stopped. */

/** What the sweeper needs: one sweep, and somewhere to report failures. */
export interface TtlSweeperOptions {
  sweep: () => Promise<number>;
  intervalMs: number;
  onError: (error: unknown) => void;
  onSwept?: (count: number) => void;
}

/** A running sweeper. */
export interface TtlSweeper {
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/** Starts sweeping every `intervalMs`; sweeps never overlap. */
export function startTtlSweeper(options: TtlSweeperOptions): TtlSweeper {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = options
      .sweep()
      .then((count) => {
        if (count > 0) options.onSwept?.(count);
      })
      .catch(options.onError)
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref?.();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
