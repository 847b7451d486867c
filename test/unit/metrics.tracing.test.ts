/**
 * Run tracing: a run span with node, model and tool spans from LangGraph callbacks (real graphs,
 * in-memory exporter), errors and interrupts on spans, and Langfuse export to a stub over HTTP.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import {
  Annotation,
  END,
  interrupt,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runTracing } from "../../src/tracing/run-trace.ts";
import { createTracing } from "../../src/tracing/setup.ts";

const echo = tool(async ({ text }: { text: string }) => `echo:${text}`, {
  name: "echo",
  description: "echoes",
  schema: z.object({ text: z.string() }),
});

const agent = new StateGraph(MessagesAnnotation)
  .addNode("agent", async (state: { messages: BaseMessage[] }) => {
    const model = new FakeListChatModel({ responses: ["hello"] });
    const reply = await model.invoke(state.messages);
    return { messages: [new AIMessage(String(reply.content))] };
  })
  .addNode("tools", async () => {
    await echo.invoke({ text: "x" });
    return {};
  })
  .addEdge(START, "agent")
  .addEdge("agent", "tools")
  .addEdge("tools", END)
  .compile();

const State = Annotation.Root({ v: Annotation<string> });
const failing = new StateGraph(State)
  .addNode("ok", async () => ({ v: "a" }))
  .addNode("bad", async () => {
    throw new Error("node failed");
  })
  .addEdge(START, "ok")
  .addEdge("ok", "bad")
  .addEdge("bad", END)
  .compile();

const asking = new StateGraph(State)
  .addNode("ask", async () => ({ v: String(interrupt("why?")) }))
  .addEdge(START, "ask")
  .addEdge("ask", END)
  .compile({ checkpointer: new MemorySaver() });

function setup() {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing({
    serviceName: "t",
    version: "0",
    otlpTracesUrl: null,
    langfuse: null,
    exporter,
  });
  const spans = async (): Promise<ReadableSpan[]> => {
    await tracing.forceFlush();
    return exporter.getFinishedSpans();
  };
  return { runs: runTracing(tracing), spans };
}

const run = { runId: "run-1", threadId: "thread-1", graphId: "agent" };

describe("run tracing", () => {
  it("records the run span with graph, node, model and tool spans beneath it", async () => {
    const { runs, spans } = setup();
    const t = runs.startRun(run);
    await agent.invoke(
      { messages: [{ role: "user", content: "hi" }] },
      { callbacks: t.callbacks as never },
    );
    t.end("success");
    const all = await spans();
    const byId = new Map(all.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan) => byId.get(s.parentSpanContext?.spanId ?? "");
    const root = all.find((s) => s.name === "run agent")!;
    expect(root.attributes).toMatchObject({
      "langgraph.run_id": "run-1",
      "langgraph.thread_id": "thread-1",
      "langgraph.graph_id": "agent",
      "langgraph.run_outcome": "success",
    });
    expect(root.parentSpanContext).toBeUndefined();
    const node = all.find((s) => s.name === "agent" && s.attributes["langgraph.node"] === "agent")!;
    const model = all.find((s) => s.name === "FakeListChatModel")!;
    const toolSpan = all.find((s) => s.name === "echo")!;
    expect(parentOf(model)).toBe(node);
    expect(parentOf(toolSpan)?.attributes["langgraph.node"]).toBe("tools");
    const ancestors = (s: ReadableSpan | undefined): string[] =>
      s ? [s.name, ...ancestors(parentOf(s))] : [];
    expect(ancestors(model).at(-1)).toBe("run agent");
    expect(ancestors(toolSpan).at(-1)).toBe("run agent");
    for (const s of all) expect(s.spanContext().traceId).toBe(root.spanContext().traceId);
    // Hidden LangGraph internals (channel writes, branches) get no span.
    expect(all.some((s) => s.name.startsWith("ChannelWrite"))).toBe(false);
  });

  it("marks the failing node and the run as errors", async () => {
    const { runs, spans } = setup();
    const t = runs.startRun({ ...run, graphId: "failing" });
    const err = await failing
      .invoke({ v: "" }, { callbacks: t.callbacks as never })
      .catch((e) => e);
    t.end("error", err);
    const all = await spans();
    const bad = all.find((s) => s.name === "bad")!;
    expect(bad.status.code).toBe(2);
    expect(bad.events.some((e) => e.name === "exception")).toBe(true);
    expect(all.find((s) => s.name === "ok")!.status.code).toBe(0);
    expect(all.find((s) => s.name === "run failing")!.status.code).toBe(2);
  });

  it("records an interrupt as an event, not an error", async () => {
    const { runs, spans } = setup();
    const t = runs.startRun({ ...run, graphId: "asking" });
    await asking.invoke(
      { v: "" },
      { callbacks: t.callbacks as never, configurable: { thread_id: "t-int" } },
    );
    t.end("interrupted");
    const all = await spans();
    const ask = all.find((s) => s.name === "ask")!;
    expect(ask.status.code).not.toBe(2);
    expect(ask.events.map((e) => e.name)).toContain("interrupt");
    expect(all.find((s) => s.name === "run asking")!.status.code).toBe(0);
  });

  it("continues the trace of the request that created the run", async () => {
    const { runs, spans } = setup();
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const t = runs.startRun({ ...run, traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    t.end("success");
    const [root] = await spans();
    expect(root!.spanContext().traceId).toBe(traceId);
    expect(root!.parentSpanContext?.spanId).toBe("b7ad6b7169203331");
  });

  it("gives no callbacks and records nothing when tracing is off", () => {
    const tracing = createTracing({
      serviceName: "t",
      version: "0",
      otlpTracesUrl: null,
      langfuse: null,
    });
    expect(tracing.tracer).toBeNull();
    const t = runTracing(tracing).startRun(run);
    expect(t.callbacks).toEqual([]);
    expect(() => t.end("success")).not.toThrow();
  });
});

describe("Langfuse", () => {
  it("exports run observations to the Langfuse OTLP endpoint with the project keys", async () => {
    const received: { url?: string; auth?: string; body: string }[] = [];
    const stub = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        received.push({ url: req.url, auth: req.headers.authorization, body });
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      });
    });
    await new Promise<void>((r) => stub.listen(0, "127.0.0.1", r));
    const baseUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    try {
      const tracing = createTracing({
        serviceName: "t",
        version: "0",
        otlpTracesUrl: null,
        langfuse: { publicKey: "pk-lf-test", secretKey: "sk-lf-test", baseUrl },
      });
      const t = runTracing(tracing).startRun(run);
      expect(t.callbacks).toHaveLength(1);
      await agent.invoke(
        { messages: [{ role: "user", content: "hi" }] },
        { callbacks: t.callbacks as never },
      );
      t.end("success");
      await tracing.forceFlush();
      await tracing.shutdown();
      const traces = received.filter((r) => r.url === "/api/public/otel/v1/traces");
      expect(traces.length).toBeGreaterThan(0);
      expect(traces[0]!.auth).toBe(
        `Basic ${Buffer.from("pk-lf-test:sk-lf-test").toString("base64")}`,
      );
      const all = traces.map((r) => r.body).join("\n");
      expect(all).toContain("FakeListChatModel");
      expect(all).toContain("thread-1"); // session id = thread id
    } finally {
      stub.close();
    }
  });
});
