/**
 * OpenTelemetry spans from LangChain/LangGraph callbacks: one span per graph, node, model call
 * and tool call of a run, parented like the callback runs. Runs LangGraph tags as hidden (channel
 * writes, branches) get no span; their children attach to the nearest visible ancestor.
 */

import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import {
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";

const HIDDEN = "langsmith:hidden";

type Serialized = { id?: string[]; name?: string } | undefined;

const nameOf = (serialized: Serialized, runName: string | undefined, fallback: string): string =>
  runName ?? serialized?.name ?? serialized?.id?.at(-1) ?? fallback;

const isInterrupt = (err: unknown): boolean => {
  const name = (err as { name?: string } | null)?.name ?? "";
  return name === "GraphInterrupt" || name === "NodeInterrupt" || name === "ParentCommand";
};

/** A callback handler that records spans under `root` (the run's span context). */
export class OtelCallbackHandler extends BaseCallbackHandler {
  name = "olg_otel_tracer";
  readonly #spans = new Map<string, Span>();
  /** Where children of a callback run attach (hidden runs map to their ancestor's context). */
  readonly #contexts = new Map<string, Context>();

  constructor(
    private readonly tracer: Tracer,
    private readonly root: Context,
  ) {
    super();
  }

  #parent(parentRunId: string | undefined): Context {
    return (parentRunId && this.#contexts.get(parentRunId)) || this.root;
  }

  #start(
    runId: string,
    parentRunId: string | undefined,
    name: string,
    attributes: Record<string, string | number | boolean>,
    kind: SpanKind = SpanKind.INTERNAL,
  ): void {
    const parent = this.#parent(parentRunId);
    const span = this.tracer.startSpan(name, { kind, attributes }, parent);
    this.#spans.set(runId, span);
    this.#contexts.set(runId, trace.setSpan(parent, span));
  }

  #end(runId: string, error?: unknown): void {
    const span = this.#spans.get(runId);
    this.#spans.delete(runId);
    this.#contexts.delete(runId);
    if (!span) return;
    if (error && isInterrupt(error)) {
      span.addEvent("interrupt");
    } else if (error) {
      span.recordException(error as Error);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: String((error as Error).message ?? error),
      });
    }
    span.end();
  }

  // The manager calls (chain, inputs, runId, parentRunId, tags, metadata, runType, runName).
  override async handleChainStart(...args: unknown[]): Promise<void> {
    const [chain, , runId, parentRunId, tags, metadata, , runName] = args as [
      Serialized,
      unknown,
      string,
      string | undefined,
      string[] | undefined,
      Record<string, unknown> | undefined,
      string | undefined,
      string | undefined,
    ];
    if (tags?.includes(HIDDEN)) {
      this.#contexts.set(runId, this.#parent(parentRunId));
      return;
    }
    const attributes: Record<string, string | number> = {};
    if (typeof metadata?.langgraph_node === "string")
      attributes["langgraph.node"] = metadata.langgraph_node;
    if (typeof metadata?.langgraph_step === "number")
      attributes["langgraph.step"] = metadata.langgraph_step;
    if (typeof metadata?.checkpoint_ns === "string")
      attributes["langgraph.checkpoint_ns"] = metadata.checkpoint_ns;
    this.#start(runId, parentRunId, nameOf(chain, runName, "chain"), attributes);
  }

  override async handleChainEnd(_outputs: unknown, runId: string): Promise<void> {
    this.#end(runId);
  }

  override async handleChainError(err: Error, runId: string): Promise<void> {
    this.#end(runId, err);
  }

  override async handleLLMStart(...args: unknown[]): Promise<void> {
    const [llm, , runId, parentRunId, , , , runName] = args as [
      Serialized,
      unknown,
      string,
      string | undefined,
      unknown,
      unknown,
      unknown,
      string | undefined,
    ];
    this.#start(
      runId,
      parentRunId,
      nameOf(llm, runName, "llm"),
      { "gen_ai.operation.name": "chat" },
      SpanKind.CLIENT,
    );
  }

  override async handleChatModelStart(...args: unknown[]): Promise<void> {
    return this.handleLLMStart(...args);
  }

  override async handleLLMEnd(
    output: { llmOutput?: Record<string, any> | null },
    runId: string,
  ): Promise<void> {
    const usage = output?.llmOutput?.tokenUsage ?? output?.llmOutput?.usage;
    const span = this.#spans.get(runId);
    if (span && usage) {
      if (typeof usage.promptTokens === "number")
        span.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens);
      if (typeof usage.completionTokens === "number")
        span.setAttribute("gen_ai.usage.output_tokens", usage.completionTokens);
    }
    this.#end(runId);
  }

  override async handleLLMError(err: Error, runId: string): Promise<void> {
    this.#end(runId, err);
  }

  override async handleToolStart(...args: unknown[]): Promise<void> {
    const [tool, , runId, parentRunId, , , runName] = args as [
      Serialized,
      unknown,
      string,
      string | undefined,
      unknown,
      unknown,
      string | undefined,
    ];
    this.#start(runId, parentRunId, nameOf(tool, runName, "tool"), {
      "gen_ai.operation.name": "execute_tool",
    });
  }

  override async handleToolEnd(_output: unknown, runId: string): Promise<void> {
    this.#end(runId);
  }

  override async handleToolError(err: Error, runId: string): Promise<void> {
    this.#end(runId, err);
  }
}
