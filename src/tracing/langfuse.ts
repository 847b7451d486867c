/**
 * Langfuse tracing of runs: its LangChain callback handler records every run, exported by the
 * Langfuse span processor on a tracer provider of its own (so our HTTP spans never go there).
 */
import { CallbackHandler } from "@langfuse/langchain";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import { setLangfuseTracerProvider } from "@langfuse/tracing";
import type { Resource } from "@opentelemetry/resources";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";

/** Langfuse keys and host. */
export interface LangfuseOptions {
  publicKey: string;
  secretKey: string;
  /** Defaults to Langfuse Cloud. */
  baseUrl?: string;
}

/** What a run needs from Langfuse. */
export interface LangfuseTracing {
  /** A callback handler for one run. */
  handler(run: { runId: string; threadId: string; graphId: string }): unknown;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Sets up the Langfuse exporter and returns the per-run handler factory. */
export function createLangfuse(options: LangfuseOptions, resource: Resource): LangfuseTracing {
  const processor = new LangfuseSpanProcessor({
    publicKey: options.publicKey,
    secretKey: options.secretKey,
    baseUrl: options.baseUrl,
  });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  setLangfuseTracerProvider(provider);
  return {
    handler: (run) =>
      new CallbackHandler({
        sessionId: run.threadId,
        tags: [run.graphId],
        traceMetadata: { run_id: run.runId, thread_id: run.threadId, graph_id: run.graphId },
      }),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
