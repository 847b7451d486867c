/**
 * Tracing as the composition root opens it: the OpenTelemetry SDK, the OTLP exporter and Langfuse
 * (./setup.ts) are loaded only when something exports spans; otherwise a tracer-less `Tracing` with
 * the W3C propagator, the same value `createTracing` returns for that case.
 */
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { Tracing, TracingOptions } from "./setup.ts";

/** Builds tracing from `options` (`createTracing`), importing the SDK only when it is needed. */
export async function openTracing(options: TracingOptions): Promise<Tracing> {
  if (options.otlpTracesUrl || options.exporter || options.langfuse) {
    const { createTracing } = await import("./setup.ts");
    return createTracing(options);
  }
  return {
    tracer: null,
    propagator: new W3CTraceContextPropagator(),
    langfuse: null,
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}
