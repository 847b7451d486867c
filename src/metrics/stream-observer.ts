/** The stream observer backed by metrics. */
import type { Metrics } from "./metrics.ts";
import type { StreamObserver } from "./observer.ts";

/** Counts SSE connections, events and bytes. */
export function createStreamObserver(metrics: Metrics): StreamObserver {
  return {
    onConnectionOpened: () => metrics.streams.connectionOpened(),
    onConnectionClosed: () => metrics.streams.connectionClosed(),
    onEventSent: (event, bytes) => metrics.streams.eventSent(event, bytes),
  };
}
