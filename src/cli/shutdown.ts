/** How long a stopping server may take: what `olg serve` enforces and the Helm chart checks. */
import type { Settings } from "../config/load.ts";

/** Seconds granted to closing connections, flushing traces and the database after the run drain. */
export const CLOSE_MARGIN_SECONDS = 10;

/**
 * How long after SIGTERM the process exits at the latest (ms): the readiness delay, the run drain
 * deadline and the close margin. A Kubernetes `terminationGracePeriodSeconds` must exceed this
 * plus any `preStop` time (the Helm chart checks it).
 */
export function shutdownDeadlineMs(
  settings: Pick<Settings, "drainDelaySeconds" | "runDrainSeconds">,
): number {
  return (settings.drainDelaySeconds + settings.runDrainSeconds + CLOSE_MARGIN_SECONDS) * 1000;
}
