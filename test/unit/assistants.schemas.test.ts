/** Schema resolution order (runtime → static → channels), its cache, and the xray query parser. */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
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

describe("GraphSchemas timeouts", () => {
  it("retries the static parser after a timeout instead of caching it", async () => {
    let calls = 0;
    const schemas = new GraphSchemas(async () => {
      calls++;
      if (calls === 1) throw new Error("Schema extract worker timed out");
      return staticResult;
    });
    expect((await schemas.of("t", source, annotationGraph)).state).toMatchObject({
      properties: { topic: {}, notes: {} },
    });
    expect((await schemas.of("t", source, annotationGraph)).state).toEqual({ title: "root" });
    expect((await schemas.of("t", source, annotationGraph)).state).toEqual({ title: "root" });
    expect(calls).toBe(2);
  });
});

describe("LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS", () => {
  it("is the static parser's time limit when a positive integer, else the default", () => {
    expect(schemaResolveTimeoutMs({ LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS: "5000" })).toBe(5000);
    for (const bad of [undefined, "", "0", "-3", "soon"])
      expect(schemaResolveTimeoutMs({ LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS: bad })).toBe(60_000);
    expect(schemaResolveTimeoutMs({}, 1234)).toBe(1234);
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
