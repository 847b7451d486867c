/** Black-box: graph drawing, JSON schemas and subgraphs of an assistant's graph. */
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

const BASE_MESSAGE_REF = "#/definitions/BaseMessage<MessageStructure<MessageToolSet>,MessageType>";

const ids = (g: any) => (g.nodes as { id: string }[]).map((n) => n.id).sort();

describe.each(sharedServers())("assistants introspection ($backend)", ({ client, url }) => {
  it("draws the graph as the official drawable JSON", async () => {
    const a = await client.assistants.create({ graphId: "agent" });
    const graph = await client.assistants.getGraph(a.assistant_id);
    expect(graph).toMatchObject({
      nodes: expect.arrayContaining([
        expect.objectContaining({ id: "__start__", type: "schema" }),
        expect.objectContaining({
          id: "agent",
          type: "runnable",
          data: expect.objectContaining({ name: "agent" }),
        }),
        expect.objectContaining({ id: "__end__", type: "schema" }),
      ]),
      edges: expect.arrayContaining([
        expect.objectContaining({ source: "__start__", target: "agent", conditional: false }),
        expect.objectContaining({ source: "agent", target: "__end__" }),
      ]),
    });
  });

  it("expands subgraphs with xray (boolean) and to a depth (integer)", async () => {
    const flat = await client.assistants.getGraph("nested");
    expect(ids(flat)).toEqual(["__end__", "__start__", "gp_one", "gp_two"]);
    const full = await client.assistants.getGraph("nested", { xray: true });
    expect(ids(full)).toEqual([
      "__end__",
      "__start__",
      "gp_one",
      "gp_two:p_one",
      "gp_two:p_two:c_one",
      "gp_two:p_two:c_two",
    ]);
    const off = await (await fetch(`${url}/assistants/nested/graph?xray=false`)).json();
    expect(ids(off)).toEqual(ids(flat));
    // As the official server, "1" is a boolean (full expansion), not a depth.
    const one = await (await fetch(`${url}/assistants/nested/graph?xray=1`)).json();
    expect(ids(one)).toEqual(ids(full));
  });

  it("limits the expansion to an integer xray depth", async () => {
    const inner = (g: any) => ids(g).filter((id) => id.startsWith("inner:inner:inner"));
    const two = await (await fetch(`${url}/assistants/deep/graph?xray=2`)).json();
    expect(inner(two)).toEqual(["inner:inner:inner"]);
    const three = await (await fetch(`${url}/assistants/deep/graph?xray=3`)).json();
    expect(inner(three)).toEqual([
      "inner:inner:inner:after",
      "inner:inner:inner:before",
      "inner:inner:inner:inner",
    ]);
    const full = await client.assistants.getGraph("deep", { xray: true });
    expect(ids(full)).toEqual(ids(three));
  });

  it("extracts schemas from TypeScript types (static parser)", { timeout: 120_000 }, async () => {
    const a = await client.assistants.create({ graphId: "agent" });
    // A request waits for the parser only a short budget (the runtime fallback answers until
    // then); the static result, with every definition the TS types give, follows.
    let schemas = await client.assistants.getSchemas(a.assistant_id);
    for (
      let i = 0;
      i < 230 && Object.keys(schemas.state_schema?.definitions ?? {}).length < 2;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 500));
      schemas = await client.assistants.getSchemas(a.assistant_id);
    }
    expect(Object.keys(schemas.state_schema?.definitions ?? {}).length).toBeGreaterThan(1);
    expect(schemas.graph_id).toBe("agent");
    expect(schemas.input_schema).not.toBe(null);
    expect(schemas.output_schema).not.toBe(null);
    expect(schemas.state_schema).toMatchObject({
      type: "object",
      properties: { messages: { type: "array", items: { $ref: BASE_MESSAGE_REF } } },
      definitions: {
        [BASE_MESSAGE_REF.slice("#/definitions/".length)]: {
          description: expect.stringContaining("Base class for all types of messages"),
        },
      },
      $schema: "http://json-schema.org/draft-07/schema#",
    });
  });

  it("extracts StateSchema schemas at run time, with jsonSchemaExtra", async () => {
    const schemas = await client.assistants.getSchemas("state_schema");
    expect(schemas.state_schema).toMatchObject({
      type: "object",
      properties: {
        messages: expect.objectContaining({ langgraph_type: "messages" }),
        count: expect.objectContaining({ type: "number" }),
      },
    });
    expect(schemas.input_schema).toMatchObject({ type: "object" });
  });

  it("extracts zod state and context schemas; context_schema mirrors config_schema", async () => {
    const schemas = await client.assistants.getSchemas("zod_config");
    expect(schemas.state_schema).toMatchObject({
      type: "object",
      properties: { items: { type: "array" }, counter: { type: "number" } },
    });
    expect(schemas.state_schema?.properties?.items).not.toHaveProperty("langgraph_type");
    expect(schemas.config_schema).toMatchObject({
      type: "object",
      properties: { model: { type: "string" }, temperature: { type: "number" } },
    });
    expect(schemas.context_schema).toEqual(schemas.config_schema);
  });

  it(
    "never answers 500 for a plain JavaScript graph: falls back to its channels",
    {
      timeout: 120_000,
    },
    async () => {
      const res = await fetch(`${url}/assistants/plain_js/schemas`);
      expect(res.status).toBe(200);
      const schemas = await res.json();
      expect(schemas.graph_id).toBe("plain_js");
      for (const key of ["state_schema", "input_schema", "output_schema"]) {
        expect(Object.keys(schemas[key].properties).sort()).toEqual(["notes", "topic"]);
      }
    },
  );

  it("lists subgraphs, recursively on request (official flow)", { timeout: 120_000 }, async () => {
    const a = await client.assistants.create({ graphId: "nested" });
    expect(Object.keys(await client.assistants.getSubgraphs(a.assistant_id))).toEqual(["gp_two"]);
    // The enum types come from the static parser, which may still be running (see above).
    let subgraphs = await client.assistants.getSubgraphs(a.assistant_id, { recurse: true });
    for (let i = 0; i < 230 && !JSON.stringify(subgraphs).includes("parent_one"); i++) {
      await new Promise((r) => setTimeout(r, 500));
      subgraphs = await client.assistants.getSubgraphs(a.assistant_id, { recurse: true });
    }
    expect(Object.keys(subgraphs)).toEqual(["gp_two", "gp_two|p_two"]);
    expect(subgraphs).toMatchObject({
      gp_two: {
        state: {
          type: "object",
          properties: {
            parent: { type: "string", enum: ["parent_one", "parent_two"] },
            messages: { type: "array" },
          },
        },
      },
      "gp_two|p_two": {
        state: {
          type: "object",
          properties: {
            child: { type: "string", enum: ["child_one", "child_two"] },
            messages: { type: "array" },
          },
        },
      },
    });
  });

  it("selects subgraphs by namespace", async () => {
    const one = await client.assistants.getSubgraphs("nested", { namespace: "gp_two" });
    expect(Object.keys(one)).toEqual(["gp_two"]);
    const deep = await client.assistants.getSubgraphs("nested", {
      namespace: "gp_two|p_two",
      recurse: true,
    });
    expect(Object.keys(deep)).toEqual(["gp_two|p_two"]);
    expect((deep as any)["gp_two|p_two"].state.properties).toHaveProperty("child");
    expect(await client.assistants.getSubgraphs("nested", { namespace: "nope" })).toEqual({});
    expect(await client.assistants.getSubgraphs("agent")).toEqual({});
  });
});
