/** Black-box: assistants search and count (filters, sorting, projection, pagination headers). */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

describe.each(sharedServers())("assistants search ($backend)", ({ client, url }) => {
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  /** Five assistants tagged with a fresh marker, created in order a..e. */
  async function seed() {
    const marker = randomUUID();
    const made = [];
    for (const [i, name] of ["Alpha", "bravo", "Charlie", "delta", "ECHO"].entries()) {
      made.push(
        await client.assistants.create({
          graphId: i % 2 === 0 ? "agent" : "nested",
          name: `${name}-${marker.slice(0, 8)}`,
          metadata: { marker, index: i, tags: ["t", `t${i}`] },
        }),
      );
    }
    return { marker, made };
  }

  it("filters by metadata, graph_id and case-insensitive name substring", async () => {
    const { marker, made } = await seed();
    const all = await client.assistants.search({ metadata: { marker }, limit: 100 });
    expect(all.map((a) => a.assistant_id).sort()).toEqual(made.map((a) => a.assistant_id).sort());
    const agents = await client.assistants.search({ metadata: { marker }, graphId: "agent" });
    expect(agents.map((a) => a.name.slice(0, 5))).toEqual(["ECHO-", "Charl", "Alpha"]);
    const byName = await client.assistants.search({ metadata: { marker }, name: "CHAR" });
    expect(byName.map((a) => a.assistant_id)).toEqual([made[2]!.assistant_id]);
    const nested = await client.assistants.search({ metadata: { marker, index: 3 } });
    expect(nested.map((a) => a.assistant_id)).toEqual([made[3]!.assistant_id]);
    const containsTag = await client.assistants.search({ metadata: { marker, tags: ["t4"] } });
    expect(containsTag.map((a) => a.assistant_id)).toEqual([made[4]!.assistant_id]);
    expect(await client.assistants.search({ metadata: { marker, index: 99 } })).toEqual([]);
    // Name matching is literal: SQL wildcards are not wildcards.
    expect(await client.assistants.search({ metadata: { marker }, name: "%" })).toEqual([]);
    expect(await client.assistants.search({ metadata: { marker }, name: "_" })).toEqual([]);
  });

  it("counts with the same filters and answers a bare integer", async () => {
    const { marker } = await seed();
    expect(await client.assistants.count({ metadata: { marker } })).toBe(5);
    expect(await client.assistants.count({ metadata: { marker }, graphId: "nested" })).toBe(2);
    expect(await client.assistants.count({ metadata: { marker }, name: "ALPHA" })).toBe(1);
    const res = await post("/assistants/count", { metadata: { marker } });
    expect(await res.text()).toBe("5");
    expect((await post("/assistants/count", { graph_id: 1 })).status).toBe(400);
  });

  it("sorts by created_at desc by default and by any allowed column", async () => {
    const { marker, made } = await seed();
    const ids = made.map((a) => a.assistant_id);
    const byDefault = await client.assistants.search({ metadata: { marker } });
    expect(byDefault.map((a) => a.assistant_id)).toEqual([...ids].reverse());
    const asc = await client.assistants.search({
      metadata: { marker },
      sortBy: "created_at",
      sortOrder: "asc",
    });
    expect(asc.map((a) => a.assistant_id)).toEqual(ids);
    const byName = await client.assistants.search({
      metadata: { marker },
      sortBy: "name",
      sortOrder: "asc",
    });
    const names = byName.map((a) => a.name);
    expect(names).toEqual([...names].sort((x, y) => (x < y ? -1 : 1)));
    const bad = await post("/assistants/search", { sort_by: "version" });
    expect(bad.status).toBe(400);
  });

  it("pages with limit/offset and reports X-Pagination-Total and X-Pagination-Next", async () => {
    const { marker, made } = await seed();
    const ids = [...made.map((a) => a.assistant_id)].reverse();
    const first = await post("/assistants/search", { metadata: { marker }, limit: 2 });
    expect((await first.json()).map((a: any) => a.assistant_id)).toEqual(ids.slice(0, 2));
    expect(first.headers.get("x-pagination-total")).toBe("5");
    expect(first.headers.get("x-pagination-next")).toBe("2");
    const last = await post("/assistants/search", { metadata: { marker }, limit: 2, offset: 4 });
    expect((await last.json()).map((a: any) => a.assistant_id)).toEqual(ids.slice(4));
    expect(last.headers.get("x-pagination-total")).toBe("5");
    expect(last.headers.get("x-pagination-next")).toBeNull();
    const exact = await post("/assistants/search", { metadata: { marker }, limit: 5 });
    expect(exact.headers.get("x-pagination-next")).toBeNull();
    const beyond = await post("/assistants/search", { metadata: { marker }, offset: 10 });
    expect(await beyond.json()).toEqual([]);
    expect(beyond.headers.get("x-pagination-total")).toBe("5");
    const paged = await client.assistants.search({
      metadata: { marker },
      limit: 3,
      includePagination: true,
    });
    expect(paged.assistants).toHaveLength(3);
    expect(paged.next).toBe("3");
    for (const body of [{ limit: 0 }, { limit: 1001 }, { offset: -1 }, { limit: 1.5 }]) {
      expect((await post("/assistants/search", body)).status).toBe(400);
    }
  });

  it("projects the selected fields only", async () => {
    const { marker, made } = await seed();
    const rows = await client.assistants.search({
      metadata: { marker },
      select: ["assistant_id", "name"],
      limit: 1,
    });
    expect(rows).toEqual([{ assistant_id: made[4]!.assistant_id, name: made[4]!.name }]);
    const bad = await post("/assistants/search", { select: ["assistant_id", "password"] });
    expect(bad.status).toBe(400);
  });

  it("finds system assistants by metadata and never user ones", async () => {
    const mine = await client.assistants.create({ graphId: "agent" });
    const system = await client.assistants.search({
      metadata: { created_by: "system" },
      limit: 100,
    });
    expect(system.map((a) => a.graph_id)).toEqual(
      expect.arrayContaining(["agent", "nested", "state_schema", "zod_config", "plain_js"]),
    );
    expect(system.every((a) => a.assistant_id !== mine.assistant_id)).toBe(true);
    expect(system.every((a) => a.name === a.graph_id)).toBe(true);
  });
});
