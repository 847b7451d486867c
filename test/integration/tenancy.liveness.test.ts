/**
 * Streams and waits of two orgs at once while their runs are still queued (tenancy on PGlite): the
 * process pools every reader's "is my run still pending or running?" question into one query per
 * second (src/stream/liveness.ts). That query must see every org's runs: run in one org's
 * context, it found the other org's queued run "gone" and ended that org's `runs/wait` early
 * with `null` (seen once runs waited for the on-demand executor thread to start). Here both
 * orgs' runs wait 2 s (`after_seconds`) so the pooled query runs while both are queued.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../support/server.ts";
import { olgJson, TENANCY_CONFIG, twoOrgKeys } from "../support/tenancy.ts";

describe("run liveness across orgs (tenancy, PGlite)", () => {
  let server: TestServer;
  let dir: string;
  let keys: { a: string; b: string };
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "olg-liveness-"));
    const admin = (
      await olgJson(["keys", "create", "--org", "default", "--role", "admin"], { dataDir: dir })
    ).key as string;
    server = await startServer({ backend: "pglite", config: TENANCY_CONFIG, dataDir: dir });
    keys = await twoOrgKeys(server.url, admin);
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const wait = async (key: string, note: string) => {
    const res = await fetch(`${server.url}/runs/wait`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify({
        assistant_id: "agent",
        input: { messages: [{ role: "user", content: note }] },
        after_seconds: 2,
      }),
    });
    expect(res.status).toBe(200);
    return JSON.parse(await res.text()) as { messages?: { content: unknown }[] } | null;
  };

  it("a queued run of each org: both waits get their run's output", async () => {
    const [a, b] = await Promise.all([wait(keys.a, "from a"), wait(keys.b, "from b")]);
    expect(a?.messages?.[0]?.content).toBe("from a");
    expect(b?.messages?.[0]?.content).toBe("from b");
  }, 60_000);
});
