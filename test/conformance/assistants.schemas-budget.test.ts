/**
 * Black-box, through the official SDK: `GET /assistants/{id}/schemas` of a `.ts` graph never waits
 * for a static extraction that does not answer. Here the extraction may take 1 ms
 * (`LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS`, read as the official server reads it), so it always times
 * out: the first request answers at once with the fallback derived from the graph's runtime
 * definition (typed message list, the input keys, draft-07 objects), and the failure is cached (the
 * next request is as fast and the same). A server of its own (PGlite: schemas touch no storage).
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../support/server.ts";

const MESSAGE_REF = "#/definitions/BaseMessage<MessageStructure<MessageToolSet>,MessageType>";

describe("schemas when the static extraction fails (pglite)", () => {
  let server: TestServer;
  let client: Client;
  beforeAll(async () => {
    server = await startServer({
      backend: "pglite",
      env: { LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS: "1" },
    });
    client = new Client({ apiUrl: server.url });
  }, 180_000);
  afterAll(() => server?.stop(), 60_000);

  it("answers a precise fallback at once, and the same again (failure cached)", async () => {
    const answers = [];
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      answers.push(await client.assistants.getSchemas("agent"));
      expect(Date.now() - started).toBeLessThan(3000);
    }
    const [first, second] = answers;
    expect(second).toEqual(first);
    expect(first!.graph_id).toBe("agent");
    for (const schema of [first!.state_schema, first!.input_schema, first!.output_schema]) {
      expect(schema).toMatchObject({
        type: "object",
        properties: { messages: { type: "array", items: { $ref: MESSAGE_REF } } },
        $schema: "http://json-schema.org/draft-07/schema#",
      });
      expect(Object.keys(schema?.properties ?? {})).toEqual(["messages"]);
    }
    expect(
      first!.state_schema?.definitions?.[MESSAGE_REF.slice("#/definitions/".length)],
    ).toMatchObject({
      description: expect.stringContaining("Base class for all types of messages"),
    });
  }, 60_000);

  it("keeps the runtime schemas of zod graphs, config and context included", async () => {
    const schemas = await client.assistants.getSchemas("zod_config");
    expect(schemas.config_schema).toMatchObject({
      type: "object",
      properties: { model: { type: "string" }, temperature: { type: "number" } },
    });
    expect(schemas.context_schema).toEqual(schemas.config_schema);
  }, 60_000);
});
