/**
 * Executes one run for the thread-centric protocol (upstream `streamStateV2`):
 * `graph.streamEvents(input, {version: "v3"})` yields protocol events already shaped by LangGraph's
 * stream transformers (content-block message lifecycle, tool lifecycle, subgraph lifecycle,
 * lightweight checkpoint envelopes). Each becomes a run event named `method|ns1|ns2` (as the legacy
 * path names subgraph events) with JSON-safe data, so the run event log, joins and the protocol
 * session read them like any other run. The legacy stream-mode path (run-modes.ts) cannot produce
 * these shapes: the `messages` content-block events only exist on the v3 pipeline.
 *
 * Graphs whose `streamEvents` rejects "v3" fall back to `graph.stream` + `convertToProtocolEvent`.
 */

import {
  convertToProtocolEvent,
  createGraphRunStream,
  STREAM_EVENTS_V3_MODES,
} from "@langchain/langgraph/web";
import {
  buildConfigurable,
  LANGGRAPH_VERSION,
  omitUndefined,
  type StreamRunOptions,
  safeJson,
  toLangGraphCommand,
} from "./run-modes.ts";
import { checkStrictResume } from "./strict-resume.ts";
import type { RunEvent } from "./types.ts";

/** A protocol event as LangGraph's v3 stream yields it. */
interface V3Event {
  method: string;
  params: { namespace: string[]; data: unknown; node?: string };
}

/** The run event name of a protocol event (`method` or `method|ns1|ns2`). */
export function v3EventName(method: string, namespace: string[]): string {
  return namespace.length > 0 ? `${method}|${namespace.join("|")}` : method;
}

/** Streams one run through the v3 pipeline; throws what the graph throws. */
export async function* streamGraphRunV3(
  graph: any,
  options: StreamRunOptions,
): AsyncGenerator<RunEvent, void> {
  if (options.strictResume && options.command?.resume !== undefined)
    await checkStrictResume(graph, buildConfigurable(options), options.command.resume);
  const input =
    options.command != null ? toLangGraphCommand(options.command) : (options.input ?? null);
  const graphOptions = omitUndefined({
    version: "v3" as const,
    interruptBefore: options.interruptBefore,
    interruptAfter: options.interruptAfter,
    tags: options.config?.tags,
    context: options.context,
    configurable: buildConfigurable(options),
    recursionLimit: options.config?.recursion_limit,
    metadata: {
      ...options.config?.metadata,
      ...options.metadata,
      run_attempt: options.attempt ?? 1,
      langgraph_version: LANGGRAPH_VERSION,
      langgraph_plan: "developer",
      langgraph_host: "self-hosted",
    },
    durability: options.durability,
    runId: options.runId,
    signal: options.signal,
    callbacks: options.callbacks?.length ? options.callbacks : undefined,
  });

  let events: AsyncIterable<V3Event>;
  try {
    events = await graph.streamEvents(input, graphOptions);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    if (error.message.includes("Receiver must be"))
      events = copiedGraphEvents(graph, input, graphOptions);
    else if (error.message.includes('"v1" and "v2"'))
      events = fallbackEvents(graph, input, graphOptions);
    else throw error;
  }
  for await (const event of events) {
    const { namespace, data } = event.params;
    yield { event: v3EventName(event.method, namespace ?? []), data: safeJson(data) ?? null };
  }
}

/**
 * What `streamEvents(…, {version: "v3"})` does, for the per-run graph copies of our registry
 * (`Object.create` copies lack the private method Pregel's `streamEvents` delegates to): the v3
 * `stream()` (protocol message handler, every v3 mode, subgraphs) through the graph's own stream
 * transformers.
 */
function copiedGraphEvents(graph: any, input: unknown, options: Record<string, unknown>) {
  const source = graph.stream(input, {
    recursionLimit: graph.config?.recursionLimit,
    ...options,
    configurable: { ...graph.config?.configurable, ...(options.configurable as object) },
    streamMode: STREAM_EVENTS_V3_MODES,
    subgraphs: true,
    encoding: undefined,
  });
  const chunks = {
    async *[Symbol.asyncIterator]() {
      for await (const chunk of await source) yield chunk;
    },
  };
  return createGraphRunStream(
    chunks,
    graph.streamTransformers ?? [],
  ) as unknown as AsyncIterable<V3Event>;
}

/** Protocol events of a graph without a v3 `streamEvents` (upstream's fallback). */
async function* fallbackEvents(
  graph: any,
  input: unknown,
  options: Record<string, unknown>,
): AsyncGenerator<V3Event> {
  const { version: _version, ...rest } = options;
  const stream = await graph.stream(input, {
    ...rest,
    streamMode: STREAM_EVENTS_V3_MODES,
    subgraphs: true,
  });
  let seq = 0;
  for await (const [namespace, mode, payload] of stream as AsyncIterable<
    [string[], string, unknown]
  >) {
    const converted = convertToProtocolEvent({
      namespace: namespace ?? [],
      mode: mode as never,
      payload,
      seq,
    });
    seq += converted.length;
    for (const e of converted) yield e as unknown as V3Event;
  }
}
