/**
 * The trace of one run: a `run <graph_id>` span (a child of the creating request when its
 * `traceparent` was kept), node spans under it from LangGraph callbacks, and the Langfuse handler.
 */
import {
  type Context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { RunOutcome } from "../metrics/metrics.ts";
import type { RunInfo } from "../metrics/observer.ts";
import type { RunTracing } from "../metrics/run-observer.ts";
import { OtelCallbackHandler } from "./callbacks.ts";
import type { Tracing } from "./setup.ts";

/** Per-run tracing backed by `tracing` (no-op parts when an exporter is off). */
export function runTracing(tracing: Tracing): RunTracing {
  return {
    startRun(run: RunInfo) {
      const callbacks: unknown[] = [];
      const langfuse = tracing.langfuse?.handler(run);
      if (langfuse) callbacks.push(langfuse);
      const tracer = tracing.tracer;
      if (!tracer) return { callbacks, end: () => {} };
      let parent: Context = ROOT_CONTEXT;
      if (run.traceparent) {
        const carrier = { traceparent: run.traceparent };
        parent = tracing.propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      }
      const span = tracer.startSpan(
        `run ${run.graphId}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            "langgraph.run_id": run.runId,
            "langgraph.thread_id": run.threadId,
            "langgraph.graph_id": run.graphId,
            ...(run.assistantId ? { "langgraph.assistant_id": run.assistantId } : {}),
          },
        },
        parent,
      );
      callbacks.unshift(new OtelCallbackHandler(tracer, trace.setSpan(parent, span)));
      return {
        callbacks,
        end(outcome: RunOutcome, error?: unknown) {
          span.setAttribute("langgraph.run_outcome", outcome);
          if (outcome === "error" || outcome === "timeout") {
            if (error) span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
          }
          span.end();
        },
      };
    },
  };
}
