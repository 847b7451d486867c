/**
 * Black-box, through the official SDK: webhook safety on a server of its own (PGlite and
 * PostgreSQL). Loopback/private destinations and relative paths are refused with 422 at run and
 * cron creation; an allowed receiver gets the configured headers (env templates) and a
 * Standard Webhooks signature; a receiver that keeps failing leaves a dead letter visible through
 * `GET /webhooks/dead_letters`, which can be redelivered once the receiver recovers.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "../../src/webhooks/signature.ts";
import { postgresAvailable, startServer, type TestServer } from "../support/server.ts";

const SECRET = "whsec_dGVzdC1zaWduaW5nLWtleQ==";
const backends = ["pglite", ...((await postgresAvailable()) ? ["postgres" as const] : [])] as const;

const until = async (check: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.each(backends)("webhook safety (%s)", (backend) => {
  let server: TestServer;
  let client: Client;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  let failing = false;
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(failing ? 500 : 200).end();
    });
  });
  let hook = "";

  beforeAll(async () => {
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    server = await startServer({
      backend,
      config: "test/fixtures/webhooks/open_langgraph.json",
      env: { LG_WEBHOOK_TOKEN: "tok-123", LG_WEBHOOK_SECRET: SECRET },
    });
    client = new Client({ apiUrl: server.url });
  }, 150_000);
  afterAll(async () => {
    await server?.stop();
    await new Promise<void>((r) => receiver.close(() => r()));
  }, 30_000);

  it.each([
    ["http://127.0.0.2:9/x", "disallowed IP"],
    ["http://[::1]:9/x", "disallowed IP"],
    ["http://10.1.2.3/x", "disallowed IP"],
    ["http://169.254.169.254/latest/meta-data", "disallowed IP"],
    ["http://192.168.0.10/x", "disallowed IP"],
    ["/threads", "Loopback webhooks are disabled"],
    ["http://no-such-host.invalid/x", "resolve"],
  ])("refuses %s with 422 and creates nothing", async (webhook, reason) => {
    const thread = await client.threads.create();
    const err = await client.runs
      .create(thread.thread_id, "runs_steps", { input: { delay_ms: 1 }, webhook })
      .catch((e) => e);
    expect(err?.status).toBe(422);
    expect(String(err?.message)).toContain(reason);
    expect(await client.runs.list(thread.thread_id)).toEqual([]);
    const cron = await client.crons
      .create("runs_steps", { schedule: "0 0 * * *", webhook })
      .catch((e) => e);
    expect(cron?.status).toBe(422);
  });

  it("delivers to an allowed receiver with templated headers and a valid signature", async () => {
    received.length = 0;
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 1 },
      webhook: hook,
    });
    await until(() => received.length === 1);
    const { headers, body } = received[0]!;
    expect(headers.authorization).toBe("Bearer tok-123");
    expect(headers["x-static"]).toBe("yes");
    expect(JSON.parse(body)).toMatchObject({ run_id: run.run_id, status: "success" });
    const signed = {
      id: String(headers["webhook-id"]),
      timestamp: String(headers["webhook-timestamp"]),
      signature: String(headers["webhook-signature"]),
    };
    expect(verifyWebhook(SECRET, signed, body)).toBe(true);
    expect(verifyWebhook(SECRET, signed, body.replace("success", "error"))).toBe(false);
  });

  it("keeps a dead letter after the retries, visible and redeliverable through the API", async () => {
    received.length = 0;
    failing = true;
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "runs_steps", {
      input: { delay_ms: 1 },
      webhook: hook,
    });
    type Letter = { dead_letter_id: string; attempts: number; last_status: number; run_id: string };
    let letters: Letter[] = [];
    const list = async () =>
      (await (
        await fetch(`${server.url}/webhooks/dead_letters?run_id=${run.run_id}`)
      ).json()) as Letter[];
    const end = Date.now() + 20_000;
    while (letters.length === 0 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      letters = await list();
    }
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ run_id: run.run_id, attempts: 3, last_status: 500 });
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers["webhook-id"])).size).toBe(1);

    failing = false;
    const id = letters[0]!.dead_letter_id;
    const retry = await fetch(`${server.url}/webhooks/dead_letters/${id}/retry`, {
      method: "POST",
    });
    expect(await retry.json()).toMatchObject({ delivered: true, attempts: 1 });
    expect(received).toHaveLength(4);
    expect(JSON.parse(received[3]!.body)).toMatchObject({ run_id: run.run_id });
    expect(await list()).toEqual([]);
    const gone = await fetch(`${server.url}/webhooks/dead_letters/${id}`);
    expect(gone.status).toBe(404);
  });
});
