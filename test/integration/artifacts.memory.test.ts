/**
 * Nothing of an artifact is held whole in memory: 200 MB generated on the fly are uploaded to the
 * filesystem backend over a real socket and downloaded back, while the process RSS (client and
 * server share it) is sampled; its growth must stay far below the size of the file.
 */
import { createHash } from "node:crypto";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ArtifactServer, startArtifactServer } from "../support/artifact-server.ts";

const TOTAL = 200 * 1024 * 1024;
const CHUNK = 256 * 1024;
/** Allowed RSS growth over the baseline: well under the 200 MB a buffered copy would need. */
const BOUND = 96 * 1024 * 1024;

/**
 * Deterministic bytes: chunk i is a 256 KiB block filled with (i mod 8), from a pool of 8 reused
 * blocks, so the generator itself allocates nothing per chunk (fresh blocks would be garbage that
 * RSS shows until the next GC, hiding what the server holds).
 */
function generated(): { stream: ReadableStream<Uint8Array>; digest: () => string } {
  const pool = Array.from({ length: 8 }, (_, k) => new Uint8Array(CHUNK).fill(k));
  const hash = createHash("sha256");
  let sent = 0;
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= TOTAL) return controller.close();
      const chunk = pool[i++ % pool.length]!;
      hash.update(chunk);
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { stream, digest: () => hash.digest("hex") };
}

function sampler() {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return peak - base;
    },
  };
}

describe("artifact memory (200 MB, filesystem backend, PGlite)", () => {
  let srv: ArtifactServer;
  const auth = { Authorization: "Bearer alice" };

  beforeAll(async () => {
    srv = await startArtifactServer({
      db: "pglite",
      tune: (s) => {
        s.artifacts.maxBytes = 256 * 1024 * 1024;
      },
    });
  }, 120_000);
  afterAll(async () => srv?.stop(), 60_000);

  it("streams a 200 MB upload and download with bounded RSS", async () => {
    const thread = await new Client({ apiUrl: srv.url, defaultHeaders: auth }).threads.create();
    const body = generated();
    const up = sampler();
    const res = await fetch(`${srv.url}/artifacts?name=big.bin&thread_id=${thread.thread_id}`, {
      method: "POST",
      body: body.stream,
      headers: { ...auth, "content-type": "application/octet-stream" },
      duplex: "half",
    } as RequestInit);
    const upGrowth = up.stop();
    expect(res.status).toBe(200);
    const artifact = await res.json();
    expect(artifact.size_bytes).toBe(TOTAL);
    expect(artifact.sha256).toBe(body.digest());
    expect(upGrowth).toBeLessThan(BOUND);

    const down = sampler();
    const dl = await fetch(`${srv.url}${artifact.url}`, { headers: auth });
    const hash = createHash("sha256");
    let received = 0;
    for await (const chunk of dl.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      received += chunk.length;
    }
    const downGrowth = down.stop();
    expect(received).toBe(TOTAL);
    expect(hash.digest("hex")).toBe(artifact.sha256);
    expect(downGrowth).toBeLessThan(BOUND);
    console.info(`RSS growth: upload ${upGrowth >> 20} MB, download ${downGrowth >> 20} MB`);
  }, 120_000);
});
