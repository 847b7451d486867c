/** Schema resolution order (runtime → static → channels), its cache, and the xray query parser. */
import { Annotation, END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { toRunnableConfig } from "../../src/graphs/introspect.ts";
import {
  GraphSchemas,
  officialStaticParser,
  type StaticSchemas,
  schemaResolveTimeoutMs,
} from "../../src/graphs/schemas.ts";
import { xrayQuery } from "../../src/http/mappers/assistants.ts";

const annotationGraph = new StateGraph(
  Annotation.Root({ topic: Annotation<string>, notes: Annotation<string[]> }),
)
  .addNode("n", () => ({}))
  .addEdge(START, "n")
  .addEdge("n", END)
  .compile();

const zodGraph = new StateGraph(z.object({ count: z.number() }))
  .addNode("n", () => ({}))
  .addEdge(START, "n")
  .addEdge("n", END)
  .compile();

const source = { file: "/nowhere.ts", exportName: "graph" };
const staticResult: StaticSchemas = {
  graph: { state: { title: "root" }, input: undefined, output: undefined, config: undefined },
  "graph|sub": { state: { title: "sub" }, input: undefined, output: undefined, config: undefined },
};

describe("GraphSchemas", () => {
  it("prefers runtime schemas and does not run the static parser for them", async () => {
    let calls = 0;
    const schemas = new GraphSchemas(async () => {
      calls++;
      return staticResult;
    });
    const result = await schemas.of("z", source, zodGraph);
    expect(result.state).toMatchObject({ properties: { count: { type: "number" } } });
    expect(calls).toBe(0);
  });

  it("uses the static parser once per graph, by namespace with the root as fallback", async () => {
    let calls = 0;
    const schemas = new GraphSchemas(async () => {
      calls++;
      return staticResult;
    });
    expect((await schemas.of("g", source, annotationGraph)).state).toEqual({ title: "root" });
    expect((await schemas.of("g", source, annotationGraph, "sub")).state).toEqual({
      title: "sub",
    });
    expect((await schemas.of("g", source, annotationGraph, "other")).state).toEqual({
      title: "root",
    });
    expect(calls).toBe(1);
  });

  it("falls back to the channels when the static parser fails, and reports it once", async () => {
    const errors: string[] = [];
    let calls = 0;
    const schemas = new GraphSchemas(
      async () => {
        calls++;
        throw new Error("no types");
      },
      (graphId) => errors.push(graphId),
    );
    for (let i = 0; i < 2; i++) {
      const result = await schemas.of("js", source, annotationGraph);
      expect(Object.keys((result.state as any).properties).sort()).toEqual(["notes", "topic"]);
      expect(Object.keys((result.input as any).properties).sort()).toEqual(["notes", "topic"]);
      expect(result.config).toBeUndefined();
    }
    expect(calls).toBe(1);
    expect(errors).toEqual(["js"]);
  });
});

describe("GraphSchemas budget and cache", () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("caches a timeout like any failure: the parser runs once", async () => {
    let calls = 0;
    const schemas = new GraphSchemas(async () => {
      calls++;
      throw new Error("Schema extract worker timed out");
    });
    for (let i = 0; i < 3; i++)
      expect((await schemas.of("t", source, annotationGraph)).state).toMatchObject({
        properties: { topic: {}, notes: {} },
      });
    expect(calls).toBe(1);
  });

  it("answers the fallback within the budget, then the static result once it arrived", async () => {
    let calls = 0;
    const schemas = new GraphSchemas(
      async () => {
        calls++;
        await sleep(600);
        return staticResult;
      },
      () => {},
      100,
    );
    let started = Date.now();
    const first = await schemas.of("slow", source, annotationGraph);
    expect(Date.now() - started).toBeLessThan(400);
    expect(Object.keys((first.input as any).properties).sort()).toEqual(["notes", "topic"]);
    // The budget counts from the extraction's start: a second request does not wait again.
    started = Date.now();
    await schemas.of("slow", source, annotationGraph);
    expect(Date.now() - started).toBeLessThan(50);
    await sleep(700);
    expect((await schemas.of("slow", source, annotationGraph)).state).toEqual({ title: "root" });
    expect(calls).toBe(1);
  });

  it("returns the static result when it arrives within the budget", async () => {
    const schemas = new GraphSchemas(
      async () => {
        await sleep(50);
        return staticResult;
      },
      () => {},
      2000,
    );
    expect((await schemas.of("quick", source, annotationGraph)).state).toEqual({ title: "root" });
  });
});

describe("runtime fallback", () => {
  /** The message type's name in the static parser's output. */
  const MESSAGE_DEF = "BaseMessage<MessageStructure<MessageToolSet>,MessageType>";
  const State = Annotation.Root({
    ...MessagesAnnotation.spec,
    question: Annotation<string>,
    count: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
    answer: Annotation<string>,
  });
  const Input = Annotation.Root({ question: Annotation<string>, messages: State.spec.messages });
  const Output = Annotation.Root({ answer: Annotation<string> });
  const graph = new StateGraph({
    state: State,
    input: Input,
    output: Output,
    context: z.object({ model: z.string(), temperature: z.number().optional() }),
  })
    .addNode("n", () => ({}))
    .addEdge(START, "n")
    .addEdge("n", END)
    .compile();

  it("describes the graph's own input, output, state and context schemas", async () => {
    const schemas = new GraphSchemas(async () => {
      throw new Error("no types");
    });
    const result = (await schemas.of("fb", source, graph)) as Record<string, any>;
    expect(Object.keys(result.input.properties).sort()).toEqual(["messages", "question"]);
    expect(result.input.properties.messages).toEqual({
      type: "array",
      items: { $ref: `#/definitions/${MESSAGE_DEF}` },
    });
    expect(result.input.definitions[MESSAGE_DEF].description).toContain(
      "Base class for all types of messages",
    );
    expect(Object.keys(result.output.properties)).toEqual(["answer"]);
    expect(result.state.properties.count).toEqual({ type: "number" });
    expect(Object.keys(result.state.properties).sort()).toEqual([
      "answer",
      "count",
      "messages",
      "question",
    ]);
    expect(result.config).toMatchObject({
      type: "object",
      properties: { model: { type: "string" }, temperature: { type: "number" } },
    });
    for (const key of ["state", "input", "output", "config"])
      expect(result[key].$schema).toBe("http://json-schema.org/draft-07/schema#");
  });
});

describe("LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS", () => {
  it("is the static parser's time limit when a positive integer, else the default", () => {
    expect(schemaResolveTimeoutMs({ LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS: "5000" })).toBe(5000);
    for (const bad of [undefined, "", "0", "-3", "soon"])
      expect(schemaResolveTimeoutMs({ LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS: bad })).toBe(60_000);
    expect(schemaResolveTimeoutMs({}, 1234)).toBe(1234);
  });

  it("parses a batch in one program; a module the parser cannot take costs log2(n) more, not n", async () => {
    type Spec = { sourceFile: string; exportSymbol: string };
    const programs: string[][] = [];
    const schemaOf = (file: string) => ({ [file]: { state: { title: file } } });
    const extract = (async (specs: Spec | Record<string, Spec>) => {
      const one = "sourceFile" in specs;
      const files = one
        ? [(specs as Spec).sourceFile]
        : Object.values(specs).map((s) => s.sourceFile);
      programs.push(files);
      if (files.some((f) => f.endsWith(".mjs") || f.includes("broken"))) throw new Error("flags");
      if (one) return schemaOf(files[0]!);
      return Object.fromEntries(
        Object.entries(specs as Record<string, Spec>).map(([k, s]) => [k, schemaOf(s.sourceFile)]),
      );
    }) as unknown as Parameters<typeof officialStaticParser>[2];
    const parse = officialStaticParser(1000, 20, extract);
    const files = [
      ...Array.from({ length: 15 }, (_, i) => `/g${i}.ts`),
      "/broken.ts",
      "/plain.mjs",
    ];
    const results = await Promise.allSettled(
      files.map((file) => parse({ file, exportName: "graph" })),
    );
    files.forEach((file, i) => {
      const r = results[i]!;
      if (file === "/broken.ts" || file === "/plain.mjs") expect(r.status, file).toBe("rejected");
      else expect(r.status === "fulfilled" && r.value, file).toEqual(schemaOf(file));
    });
    // The JavaScript module never shares a program; 16 TypeScript sources with one broken: one
    // program for all, then halves down to the culprit (was 1 + 17 single programs).
    expect(programs.filter((p) => p.length > 1 && p.some((f) => f.endsWith(".mjs")))).toEqual([]);
    expect(programs.length).toBeLessThanOrEqual(1 + 1 + 2 * Math.ceil(Math.log2(16)));
  });

  it("bounds the official parser: a limit too short for its worker rejects", async () => {
    const file = new URL("../fixtures/graphs/runs_steps.ts", import.meta.url).pathname;
    const parse = officialStaticParser(1, 0);
    await expect(parse({ file, exportName: "graph" })).rejects.toThrow(/timed out/);
  });
});

describe("xray query", () => {
  const parse = (xray?: string) => xrayQuery.parse(xray === undefined ? {} : { xray }).xray;
  it("reads the official booleans and integer depths", () => {
    expect(parse()).toBeUndefined();
    for (const v of ["true", "TRUE", "1", "yes"]) expect(parse(v)).toBe(true);
    for (const v of ["false", "0", "no", "maybe", "-2"]) expect(parse(v)).toBe(false);
    expect(parse("2")).toBe(2);
    expect(parse("10")).toBe(10);
  });
});

describe("toRunnableConfig", () => {
  it("maps the stored snake_case config to a RunnableConfig", () => {
    expect(
      toRunnableConfig({
        configurable: { a: 1 },
        tags: ["t"],
        recursion_limit: 5,
        run_name: "r",
        max_concurrency: 2,
      }),
    ).toEqual({
      configurable: { a: 1 },
      tags: ["t"],
      recursionLimit: 5,
      runName: "r",
      maxConcurrency: 2,
    });
    expect(toRunnableConfig({})).toEqual({ configurable: {} });
  });
});
