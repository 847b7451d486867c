/**
 * Tracing: OpenTelemetry spans exported over OTLP/HTTP when an endpoint is configured, Langfuse
 * traces of runs when its keys are set, nothing otherwise. Built once by the composition root.
 */
import {
  context,
  propagation,
  type TextMapPropagator,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import { createLangfuse, type LangfuseOptions, type LangfuseTracing } from "./langfuse.ts";

/** Tracing settings resolved from the config. */
export interface TracingOptions {
  serviceName: string;
  version: string;
  /** Full OTLP/HTTP traces URL (`…/v1/traces`); null disables OTLP export. */
  otlpTracesUrl: string | null;
  /** Headers for the OTLP exporter (e.g. an API key). */
  otlpHeaders?: Record<string, string>;
  langfuse: LangfuseOptions | null;
  /** Extra exporter (tests use an in-memory one). */
  exporter?: SpanExporter;
  /** Install the provider, context manager and propagator as process globals. */
  global?: boolean;
}

/** Tracing as the rest of the server sees it. */
export interface Tracing {
  /** The OpenTelemetry tracer, or null when no exporter is configured. */
  tracer: Tracer | null;
  propagator: TextMapPropagator;
  langfuse: LangfuseTracing | null;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

let contextManagerInstalled = false;

/** Makes `context.with` work (idempotent: one context manager per process). */
function installContextManager(): void {
  if (contextManagerInstalled) return;
  contextManagerInstalled = context.setGlobalContextManager(
    new AsyncLocalStorageContextManager().enable(),
  );
}

/** Builds tracing from `options`. */
export function createTracing(options: TracingOptions): Tracing {
  const propagator = new W3CTraceContextPropagator();
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    [ATTR_SERVICE_VERSION]: options.version,
  });
  const processors: SpanProcessor[] = [];
  if (options.otlpTracesUrl) {
    const exporter = new OTLPTraceExporter({
      url: options.otlpTracesUrl,
      headers: options.otlpHeaders,
    });
    processors.push(new BatchSpanProcessor(exporter));
  }
  if (options.exporter) processors.push(new BatchSpanProcessor(options.exporter));
  const langfuse = options.langfuse ? createLangfuse(options.langfuse, resource) : null;
  if (processors.length === 0) {
    return {
      tracer: null,
      propagator,
      langfuse,
      forceFlush: async () => langfuse?.forceFlush(),
      shutdown: async () => langfuse?.shutdown(),
    };
  }
  const provider = new BasicTracerProvider({ resource, spanProcessors: processors });
  installContextManager();
  if (options.global) {
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(propagator);
  }
  return {
    tracer: provider.getTracer("open-langgraph", options.version),
    propagator,
    langfuse,
    async forceFlush() {
      await Promise.all([provider.forceFlush(), langfuse?.forceFlush()]);
    },
    async shutdown() {
      await Promise.all([provider.shutdown(), langfuse?.shutdown()]);
    },
  };
}
