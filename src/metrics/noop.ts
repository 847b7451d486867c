/** A `Metrics` that records nothing: for tests and for code paths built without a registry. */
import type { Metrics } from "./metrics.ts";

const nothing = (): void => {};

/** Metrics handles that do nothing. */
export function noopMetrics(): Metrics {
  return {
    http: { observe: nothing, inFlight: { inc: nothing, dec: nothing } },
    runs: { started: nothing, finished: nothing },
    streams: { eventSent: nothing, connectionOpened: nothing, connectionClosed: nothing },
    cache: { hit: nothing, miss: nothing },
  };
}
