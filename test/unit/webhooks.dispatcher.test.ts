/**
 * Webhook delivery against a real local receiver: headers and signature, retries with backoff on
 * transient answers, no retry on permanent ones, a dead letter when given up, the DNS check at
 * connect time, loopback paths, and `${{ env.VAR }}` header templates limited to the prefix.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.ts";
import { configFileSchema } from "../../src/config/schema.ts";
import { webhookSettings } from "../../src/config/webhooks.ts";
import { createLogger } from "../../src/logging/logger.ts";
import type { Run } from "../../src/runs/types.ts";
import type { NewDeadLetter } from "../../src/webhooks/dead-letters.ts";
import { WebhookDispatcher, type WebhookSettings } from "../../src/webhooks/dispatcher.ts";
import { DEFAULT_POLICY } from "../../src/webhooks/policy.ts";
import { verifyWebhook } from "../../src/webhooks/signature.ts";

const received: { headers: IncomingHttpHeaders; body: string }[] = [];
const answers: number[] = [];
let base = "";
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    received.push({ headers: req.headers, body });
    res.writeHead(answers.shift() ?? 200).end();
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const logger = createLogger({ level: "fatal", pretty: false });
const settings = (over: Partial<WebhookSettings> = {}): WebhookSettings => ({
  disabled: false,
  policy: { ...DEFAULT_POLICY, allowedNetworks: ["127.0.0.1/32"] },
  headers: { "x-token": "t" },
  signingSecret: "s3cret",
  maxAttempts: 3,
  initialDelayMs: 10,
  maxDelayMs: 50,
  timeoutMs: 2000,
  ...over,
});

function dispatcher(over: Partial<WebhookSettings> = {}, loopback?: (r: Request) => Response) {
  const dead: NewDeadLetter[] = [];
  const delays: number[] = [];
  const d = new WebhookDispatcher({
    settings: settings(over),
    deadLetters: {
      record: async (e) => {
        dead.push(e);
        return { ...e, deadLetterId: "x", createdAt: new Date() };
      },
    },
    logger,
    loopback,
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
  return { d, dead, delays };
}

const RUN_ID = "00000000-0000-4000-8000-000000000001";
const run = {
  runId: RUN_ID,
  threadId: "00000000-0000-4000-8000-000000000002",
  assistantId: "00000000-0000-4000-8000-000000000003",
  createdAt: new Date(),
  updatedAt: new Date(),
  metadata: {},
  kwargs: {},
  multitaskStrategy: "reject",
  status: "success",
} as unknown as Run;
const result = { run, startedAt: new Date(), endedAt: new Date(), values: { ok: 1 } };

describe("webhook dispatcher", () => {
  it("delivers with configured headers and a verifiable signature", async () => {
    received.length = 0;
    const { d, dead } = dispatcher();
    expect(await d.send(`${base}/hook`, result)).toBe(true);
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    expect(headers["x-token"]).toBe("t");
    expect(JSON.parse(body)).toMatchObject({ run_id: RUN_ID, values: { ok: 1 } });
    const sig = {
      id: String(headers["webhook-id"]),
      timestamp: String(headers["webhook-timestamp"]),
      signature: String(headers["webhook-signature"]),
    };
    expect(verifyWebhook("s3cret", sig, body)).toBe(true);
    expect(dead).toEqual([]);
  });

  it("retries transient answers with growing delays, keeping the delivery id", async () => {
    received.length = 0;
    answers.push(503, 429);
    const { d, delays } = dispatcher();
    expect(await d.send(`${base}/hook`, result)).toBe(true);
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(5);
    expect(delays[1]!).toBeLessThanOrEqual(50);
  });

  it("records a dead letter after the last attempt, and does not retry permanent answers", async () => {
    received.length = 0;
    answers.push(500, 500, 500);
    const a = dispatcher();
    expect(await a.d.send(`${base}/hook`, result)).toBe(false);
    expect(received).toHaveLength(3);
    expect(a.dead[0]).toMatchObject({
      runId: RUN_ID,
      attempts: 3,
      lastStatus: 500,
      url: `${base}/hook`,
    });
    received.length = 0;
    answers.push(404);
    const b = dispatcher();
    expect(await b.d.send(`${base}/hook`, result)).toBe(false);
    expect(received).toHaveLength(1);
    expect(b.dead[0]).toMatchObject({ attempts: 1, lastStatus: 404 });
  });

  it("refuses a name resolving to a disallowed address at connect time (no request sent)", async () => {
    received.length = 0;
    const port = new URL(base).port;
    const { d, dead } = dispatcher({ policy: { ...DEFAULT_POLICY, allowedNetworks: [] } });
    expect(await d.send(`http://localhost:${port}/hook`, result)).toBe(false);
    expect(received).toHaveLength(0);
    expect(dead[0]!.lastError).toMatch(/disallowed IP/);
    expect(dead[0]!.attempts).toBe(0);
  });

  it("dispatches relative paths in-process only when loopback is enabled", async () => {
    const seen: string[] = [];
    const loop = (r: Request) => {
      seen.push(new URL(r.url).pathname);
      return new Response(null, { status: 204 });
    };
    const on = dispatcher({ policy: { ...DEFAULT_POLICY, disableLoopback: false } }, loop);
    expect(await on.d.send("/custom/hook", result)).toBe(true);
    const off = dispatcher({}, loop);
    expect(await off.d.send("/custom/hook", result)).toBe(false);
    expect(seen).toEqual(["/custom/hook"]);
    expect(off.dead[0]!.lastError).toBe("Loopback webhooks are disabled");
  });

  it("sends nothing when webhooks are disabled", async () => {
    received.length = 0;
    const { d, dead } = dispatcher({ disabled: true });
    expect(await d.send(`${base}/hook`, result)).toBe(false);
    expect(received).toHaveLength(0);
    expect(dead).toEqual([]);
  });
});

describe("webhook settings from the config", () => {
  const file = (webhooks: unknown) => configFileSchema.parse({ webhooks });

  it("expands env templates with the prefix and refuses others or missing ones", () => {
    const env = { LG_WEBHOOK_TOKEN: "abc", SECRET_DB: "pw", MY_S: "k" };
    const s = webhookSettings(
      file({ headers: { Authorization: "Bearer ${{ env.LG_WEBHOOK_TOKEN }}!" } }),
      env,
    );
    expect(s.headers.Authorization).toBe("Bearer abc!");
    expect(s.policy.disableLoopback).toBe(true);
    expect(() => webhookSettings(file({ headers: { a: "${{ env.SECRET_DB }}" } }), env)).toThrow(
      ConfigError,
    );
    expect(() =>
      webhookSettings(file({ headers: { a: "${{ env.LG_WEBHOOK_NOPE }}" } }), env),
    ).toThrow(/not set/);
    const custom = webhookSettings(
      file({ env_prefix: "MY_", signing_secret: "${{ env.MY_S }}" }),
      env,
    );
    expect(custom.signingSecret).toBe("k");
  });
});
