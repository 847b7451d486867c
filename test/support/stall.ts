/**
 * Stall probes: `probeOk` samples `GET /ok` of a server until stopped (latencies in ms, p99);
 * `hostileLoad` sends the payloads that used to hold the event loop, all at once: runs whose own,
 * thread and assistant metadata sit near the limits, a big state value, metadata filters at the
 * limit, 50,000-key maps, 200,000 levels of nesting, out-of-range numbers, a body over the size
 * limit. Returns every status (none may be a 5xx; 0 is an exchange that failed, e.g. a reset).
 */

import { spawn } from "node:child_process";
import { request } from "node:http";
import type { TestServer } from "./server.ts";

const keys = (prefix: string, n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `value ${i}`]));

/** A running `/ok` probe. */
export interface OkProbe {
  /** Resolves once the first probe was answered. */
  ready: Promise<void>;
  /** Stops probing; latencies of every probe (ms; Infinity when refused or reset), in order. */
  stop(): Promise<number[]>;
}

/**
 * The probe loop, run in its own process: the test process builds megabytes of payload and would
 * otherwise delay its own probes (and let idle keep-alive sockets expire under them).
 */
const PROBE_SCRIPT = `
const [url, every] = [process.argv[1], Number(process.argv[2])];
const latencies = [], errors = [];
let probing = true;
process.on("message", () => { probing = false; });
(async () => {
  while (probing) {
    const t = performance.now();
    const ok = await fetch(url + "/ok").then(async (r) => (await r.text(), r.status === 200))
      .catch((e) => { errors.push(String(e?.cause?.code ?? e)); return false; });
    latencies.push(ok ? performance.now() - t : null);
    if (latencies.length === 1) process.send({ ready: true });
    await new Promise((r) => setTimeout(r, every));
  }
  process.send({ latencies, errors }, () => process.disconnect());
})();
`;

/** Probes `${url}/ok` every `everyMs` from a child process (each probe waits for the previous). */
export function probeOk(url: string, everyMs = 25): OkProbe {
  const child = spawn(process.execPath, ["-e", PROBE_SCRIPT, url, String(everyMs)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let onReady = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const result = new Promise<{ latencies: (number | null)[]; errors: string[] }>(
    (resolve, reject) => {
      child.on("message", (m: { ready?: boolean }) => (m.ready ? onReady() : resolve(m as never)));
      child.once("exit", (code) => reject(new Error(`/ok probe exited with ${code}`)));
    },
  );
  return {
    ready,
    async stop() {
      child.send("stop");
      const { latencies, errors } = await result.finally(() => child.kill());
      if (errors.length) console.warn(`/ok probe errors: ${errors.join(", ")}`);
      return latencies.map((l) => l ?? Number.POSITIVE_INFINITY);
    },
  };
}

/** The 99th percentile of `values`. */
export function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

/**
 * Sends `body` on a connection of its own (no keep-alive socket to race with the server's idle
 * timeout); a failed exchange (reset, refused) is status 0, logged with its path.
 */
function post(url: string, path: string, body: unknown, method = "POST") {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Promise<{ status: number; body: string }>((resolve) => {
    const req = request(`${url}${path}`, {
      method,
      agent: false,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      console.warn(`${method} ${path} (${text.length} bytes) failed: ${error.code ?? error}`);
      resolve({ status: 0, body: "" });
    });
    req.end(text);
  });
}

/**
 * Sends the hostile payloads to `url` concurrently; `runs` runs of `graphId` with near-limit
 * metadata (own 80 keys, thread 80, assistant 40, `configurable` 20: 220 of the 256 merged keys)
 * and a state value of `bigBytes` (also stored once in the store), plus `runInput` merged into
 * each run's input.
 */
export async function hostileLoad(
  url: string,
  options: {
    graphId: string;
    runs: number;
    runInput?: Record<string, unknown>;
    /** Size of the state value each run carries (default 2 MiB). */
    bigBytes?: number;
  },
): Promise<number[]> {
  const statuses: number[] = [];
  const assistant = JSON.parse(
    (await post(url, "/assistants", { graph_id: options.graphId, metadata: keys("a", 40) })).body,
  ) as { assistant_id: string };
  const big = "v".repeat(options.bigBytes ?? 2 * 1024 * 1024);
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < options.runs; i++) {
    work.push(
      (async () => {
        const thread = JSON.parse((await post(url, "/threads", { metadata: keys("t", 80) })).body);
        const run = await post(url, `/threads/${thread.thread_id}/runs/wait`, {
          assistant_id: assistant.assistant_id,
          input: { ...options.runInput, big },
          metadata: keys("r", 80),
          config: { configurable: keys("c", 20) },
        });
        statuses.push(run.status);
      })(),
    );
  }
  const hostile: unknown[] = [
    { metadata: keys("k", 128) },
    `{"metadata":${"[".repeat(200_000)}${"]".repeat(200_000)}}`,
    { metadata: keys("k", 50_000) },
    { ttl: 1e308 },
    `{"metadata":{"n":1e999}}`,
    { metadata: { a: 1 }, config: { configurable: keys("c", 50_000) } },
    { metadata: { deep: JSON.parse(`${"[".repeat(90)}1${"]".repeat(90)}`) } },
  ];
  for (const body of hostile)
    work.push(post(url, "/threads", body).then((r) => statuses.push(r.status)));
  work.push(
    post(url, "/threads/search", { metadata: keys("t", 128) }).then((r) => statuses.push(r.status)),
    post(url, "/assistants/search", { metadata: keys("a", 128) }).then((r) =>
      statuses.push(r.status),
    ),
    post(url, "/store/items", { namespace: ["stall"], key: "big", value: { big } }, "PUT").then(
      (r) => statuses.push(r.status),
    ),
    // Over the 10 MiB limit: refused from its Content-Length (the server may close the connection
    // while the client still sends: that is a refusal too).
    post(url, "/threads", "x".repeat(11 * 1024 * 1024)).then((r) =>
      statuses.push(r.status === 0 ? 413 : r.status),
    ),
  );
  await Promise.all(work);
  return statuses;
}

const CONTROL_SCRIPT = `
const server = require("node:http").createServer((_, res) => res.end("ok"));
server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
process.on("disconnect", () => process.exit(0));
`;

/**
 * A bare Node HTTP server in a child process, probed beside the server under test so a test can
 * tell the server's own stall from the machine's scheduling delay (on a loaded CI machine a probe
 * of an idle process also waits hundreds of ms). `stop()` kills it.
 */
export async function controlServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ["-e", CONTROL_SCRIPT], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m: { port: number }) => resolve(m.port));
    child.once("exit", (code) => reject(new Error(`control server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** POSTs JSON to `url` + `path`; the status and the parsed body. */
export const postJson = (url: string, path: string, body: unknown) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));

/** Probes `/ok` (and a bare server) while `work` runs; the p99s in ms. */
export async function probeDuring(url: string, work: () => Promise<unknown>) {
  const control = await controlServer();
  const controlProbe = probeOk(control.url);
  const probe = probeOk(url);
  await Promise.all([probe.ready, controlProbe.ready]);
  await work();
  const latencies = await probe.stop();
  const machine = p99(await controlProbe.stop().finally(() => control.stop()));
  return { worst: p99(latencies), max: Math.max(...latencies), n: latencies.length, machine };
}

/** The server's "server listening" log line (else its last 20 lines, to explain a failure). */
export const listeningLine = (server: TestServer) =>
  server.logs.find((l) => l.includes('"server listening"')) ?? server.logs.slice(-20).join("\n");
