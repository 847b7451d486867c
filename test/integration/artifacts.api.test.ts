/**
 * Artifacts end to end over HTTP on every pair of database (PGlite, PostgreSQL) and blob backend
 * (filesystem, S3 through the real AWS SDK against s3rver): upload (raw and multipart, size and
 * type checks), download (ranges, HEAD), listing, delete, presigned transfers used by plain
 * fetch, the in-graph handle, retention and the sweeper. The cross-tenant and path-traversal
 * battery is in artifacts.security.test.ts.
 */
import { createHash } from "node:crypto";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Client } from "@langchain/langgraph-sdk";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3BlobStore } from "../../src/artifacts/blob-s3.ts";
import { type ArtifactServer, startArtifactServer } from "../support/artifact-server.ts";
import { startS3, type TestS3 } from "../support/s3.ts";
import { postgresAvailable } from "../support/server.ts";

const PNG_HEAD = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
const combos: { db: "pglite" | "postgres"; blob: "filesystem" | "s3" }[] = [
  { db: "pglite", blob: "filesystem" },
  { db: "pglite", blob: "s3" },
];
if (await postgresAvailable())
  combos.push({ db: "postgres", blob: "filesystem" }, { db: "postgres", blob: "s3" });
else console.warn("\n*** PostgreSQL is not reachable: artifact API tests run on PGlite only ***\n");

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(combos)("artifacts API ($db, $blob)", ({ db, blob }) => {
  let s3: TestS3 | undefined;
  let srv: ArtifactServer;
  let url: string;
  const as = (user: string) => ({ Authorization: `Bearer ${user}` });
  const call = (user: string | null, method: string, path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      method,
      headers: { ...(user ? as(user) : {}), ...(init.headers as Record<string, string>) },
    });
  const json = (user: string, method: string, path: string, body?: unknown) =>
    call(user, method, path, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
  const upload = (user: string, query: string, body: BodyInit, type = "text/plain") =>
    call(user, "POST", `/artifacts?${query}`, { body, headers: { "content-type": type } });
  const newThread = async (user = "alice") =>
    (await new Client({ apiUrl: url, defaultHeaders: as(user) }).threads.create()).thread_id;

  beforeAll(async () => {
    if (blob === "s3") s3 = await startS3();
    srv = await startArtifactServer({ db, s3 });
    url = srv.url;
  }, 120_000);
  afterAll(async () => {
    await srv?.stop();
    await s3?.stop();
  }, 60_000);

  it("uploads a raw body under a thread, reads it back whole, by range and by HEAD", async () => {
    const threadId = await newThread();
    const text = "hello artifacts, 0123456789";
    const res = await upload(
      "alice",
      `name=hello.txt&thread_id=${threadId}&metadata=${encodeURIComponent('{"kind":"note"}')}`,
      text,
    );
    expect(res.status).toBe(200);
    const a = await res.json();
    expect(a).toMatchObject({
      thread_id: threadId,
      name: "hello.txt",
      content_type: "text/plain",
      size_bytes: text.length,
      sha256: sha(Buffer.from(text)),
      status: "ready",
      metadata: { kind: "note", owner: "alice" },
      url: `/artifacts/${a.artifact_id}/content`,
    });
    expect(await (await call("alice", "GET", `/artifacts/${a.artifact_id}`)).json()).toEqual(a);

    const whole = await call("alice", "GET", a.url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("text/plain");
    expect(whole.headers.get("etag")).toBe(`"${a.sha256}"`);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(whole.headers.get("x-content-type-options")).toBe("nosniff");
    expect(whole.headers.get("content-disposition")).toBe("inline; filename*=UTF-8''hello.txt");
    expect(await whole.text()).toBe(text);

    const part = await call("alice", "GET", a.url, { headers: { range: "bytes=6-14" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 6-14/${text.length}`);
    expect(await part.text()).toBe(text.slice(6, 15));
    const tail = await call("alice", "GET", a.url, { headers: { range: "bytes=-4" } });
    expect(await tail.text()).toBe("6789");
    const open = await call("alice", "GET", a.url, { headers: { range: "bytes=20-" } });
    expect(await open.text()).toBe(text.slice(20));
    const beyond = await call("alice", "GET", a.url, { headers: { range: "bytes=500-" } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${text.length}`);

    const head = await call("alice", "HEAD", a.url);
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(text.length));
  });

  it("takes multipart/form-data (fields before the file) and downloads unsafe types as attachments", async () => {
    const form = new FormData();
    form.set("namespace", JSON.stringify(["alice", "docs"]));
    form.set("metadata", JSON.stringify({ v: 1 }));
    form.set("file", new Blob(["<script>alert(1)</script>"], { type: "text/html" }), "page.html");
    const res = await call("alice", "POST", "/artifacts", { body: form });
    expect(res.status).toBe(200);
    const a = await res.json();
    expect(a).toMatchObject({
      name: "page.html",
      namespace: ["alice", "docs"],
      content_type: "text/html",
      size_bytes: 25,
      thread_id: null,
    });
    const dl = await call("alice", "GET", a.url);
    expect(dl.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect(dl.headers.get("content-security-policy")).toContain("sandbox");
    expect(await dl.text()).toBe("<script>alert(1)</script>");
  });

  it("refuses oversize bodies (declared or streamed) and wrong types, keeping nothing", async () => {
    const threadId = await newThread();
    const before = await (
      await json("alice", "POST", "/artifacts/search", { thread_id: threadId })
    ).json();
    // Streamed without a length: the limit (16 MiB) is hit mid-stream.
    const big = new ReadableStream<Uint8Array>({
      start(controller) {
        const chunk = new Uint8Array(1024 * 1024);
        for (let i = 0; i < 17; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const streamed = await call("alice", "POST", `/artifacts?name=big.bin&thread_id=${threadId}`, {
      body: big,
      headers: { "content-type": "application/octet-stream" },
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.text()).toBe("Artifact exceeds the size limit of 16777216 bytes");
    const notImage = await upload(
      "alice",
      `name=x.png&thread_id=${threadId}`,
      "not a png at all",
      "image/png",
    );
    expect(notImage.status).toBe(415);
    const banned = await upload(
      "alice",
      `name=x.exe&thread_id=${threadId}`,
      "MZ",
      "application/x-msdownload",
    );
    expect(banned.status).toBe(415);
    expect(await banned.text()).toBe("Content type not allowed: application/x-msdownload");
    const malformed = await upload("alice", `name=x&thread_id=${threadId}`, "x", "not a type");
    expect(malformed.status).toBe(415);
    const noName = await upload("alice", `thread_id=${threadId}`, "x");
    expect(noName.status).toBe(400);
    const after = await (
      await json("alice", "POST", "/artifacts/search", { thread_id: threadId })
    ).json();
    expect(after).toEqual(before);
    if (srv.dir) {
      const { readdir } = await import("node:fs/promises");
      const left = await readdir(`${srv.dir}/threads/${threadId}`).catch(() => []);
      expect(left).toEqual([]);
    }
  });

  it("uploads a large file in parts (S3 multipart, 5 MiB parts) and reads it back", async () => {
    const inline = await (
      await upload("alice", "name=small.txt&namespace=alice.large", "small")
    ).json();
    const size = 12 * 1024 * 1024 + 123;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) data.writeUInt32BE(i, i);
    const res = await upload(
      "alice",
      "name=large.bin&namespace=alice.large",
      data,
      "application/octet-stream",
    );
    expect(res.status).toBe(200);
    const a = await res.json();
    expect(a).toMatchObject({ size_bytes: size, sha256: sha(data) });
    const back = Buffer.from(await (await call("alice", "GET", a.url)).arrayBuffer());
    expect(back.equals(data)).toBe(true);
    const mid = await call("alice", "GET", a.url, { headers: { range: "bytes=5242870-5242889" } });
    expect(Buffer.from(await mid.arrayBuffer())).toEqual(data.subarray(5242870, 5242890));
    if (blob === "s3") {
      // The object was completed as a multipart upload (s3rver's event for that is a Post).
      const key = `namespaces/alice/large/${a.artifact_id}`;
      expect(s3!.events.filter((e) => e.key === key).map((e) => e.name)).toEqual([
        "ObjectCreated:Post",
      ]);
      const small = s3!.events.find((e) => e.key.endsWith(inline.artifact_id));
      expect(small?.name).toBe("ObjectCreated:Put");
      const store = new S3BlobStore({
        bucket: s3!.bucket,
        client: {
          endpoint: s3!.endpoint,
          region: "us-east-1",
          forcePathStyle: true,
          credentials: { accessKeyId: s3!.accessKeyId, secretAccessKey: s3!.secretAccessKey },
        },
      });
      // s3rver answers NotImplemented to lifecycle configuration: reported as unsupported.
      expect(await store.setLifecycle([{ id: "t", prefix: "threads/", days: 1 }])).toBe(false);
    }
  });

  it("lists by thread, namespace prefix and metadata, newest first, and deletes", async () => {
    const threadId = await newThread();
    const made = [];
    for (const n of ["a", "b", "c"])
      made.push(
        await (
          await upload("alice", `name=${n}.txt&thread_id=${threadId}&metadata={"n":"${n}"}`, n)
        ).json(),
      );
    const ns = await (await upload("alice", "name=n.txt&namespace=alice.list.deep", "n")).json();
    const byThread = await (
      await json("alice", "POST", "/artifacts/search", { thread_id: threadId })
    ).json();
    expect(byThread.map((a: { name: string }) => a.name)).toEqual(["c.txt", "b.txt", "a.txt"]);
    const paged = await (
      await json("alice", "POST", "/artifacts/search", { thread_id: threadId, limit: 1, offset: 1 })
    ).json();
    expect(paged.map((a: { name: string }) => a.name)).toEqual(["b.txt"]);
    const byMeta = await (
      await json("alice", "POST", "/artifacts/search", {
        thread_id: threadId,
        metadata: { n: "a" },
      })
    ).json();
    expect(byMeta.map((a: { artifact_id: string }) => a.artifact_id)).toEqual([
      made[0].artifact_id,
    ]);
    const byNs = await (
      await json("alice", "POST", "/artifacts/search", { namespace: ["alice", "list"] })
    ).json();
    expect(byNs.map((a: { artifact_id: string }) => a.artifact_id)).toEqual([ns.artifact_id]);

    expect((await call("alice", "DELETE", `/artifacts/${made[1].artifact_id}`)).status).toBe(204);
    expect((await call("alice", "GET", `/artifacts/${made[1].artifact_id}`)).status).toBe(404);
    expect((await call("alice", "GET", made[1].url)).status).toBe(404);
    expect((await call("alice", "DELETE", `/artifacts/${made[1].artifact_id}`)).status).toBe(404);
  });

  it("presigns an upload and a download used by plain fetch, bounded in time and to one object", async () => {
    const threadId = await newThread();
    const body = Buffer.concat([PNG_HEAD, Buffer.from("rest of the image")]);
    const tooLong = await json("alice", "POST", "/artifacts/upload_url", {
      name: "p.png",
      content_type: "image/png",
      thread_id: threadId,
      expires_in: 601,
    });
    expect(tooLong.status).toBe(422);
    const created = await json("alice", "POST", "/artifacts/upload_url", {
      name: "p.png",
      content_type: "image/png",
      thread_id: threadId,
      expires_in: 120,
    });
    expect(created.status).toBe(200);
    const { artifact, upload: up } = await created.json();
    expect(artifact.status).toBe("pending");
    expect(up.method).toBe("PUT");
    expect(new Date(up.expires_at).getTime() - Date.now()).toBeLessThanOrEqual(120_000);
    // Pending: neither listed nor downloadable.
    expect((await call("alice", "GET", artifact.url)).status).toBe(404);
    const put = await fetch(up.url, { method: "PUT", body, headers: up.headers });
    expect(put.status).toBe(200);
    const done = await (
      await json("alice", "POST", `/artifacts/${artifact.artifact_id}/complete`)
    ).json();
    expect(done).toMatchObject({ status: "ready", size_bytes: body.length });

    const dl = await (
      await json("alice", "POST", `/artifacts/${artifact.artifact_id}/download_url`, {
        expires_in: 30,
      })
    ).json();
    const got = await fetch(dl.url);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer())).toEqual(body);

    if (blob === "s3") {
      // s3rver checks expiry but not V4 signatures (its source says so), so the binding of a URL to
      // one object and one method is the SDK presigner's: check what it signed.
      const u = new URL(dl.url);
      expect(u.pathname).toBe(`/olg-artifacts/threads/${threadId}/${artifact.artifact_id}`);
      expect(u.searchParams.get("X-Amz-Expires")).toBe("30");
      expect(u.searchParams.get("X-Amz-SignedHeaders")).toBe("host");
      expect(u.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
      const signedPut = new URL(up.url);
      expect(signedPut.searchParams.get("X-Amz-SignedHeaders")).toBe("content-type;host");
      expect(up.headers).toEqual({ "content-type": "image/png" });
      return;
    }
    // The URL is bound to its object and direction: another artifact's payload under this
    // signature, a changed signature, or an upload through a download URL are refused.
    const other = await (await upload("alice", `name=o.txt&thread_id=${threadId}`, "other")).json();
    const otherUrl = (
      await (await json("alice", "POST", `/artifacts/${other.artifact_id}/download_url`, {})).json()
    ).url as string;
    expect((await fetch(otherUrl)).status).toBe(200);
    const token = (u: string) => new URL(u).pathname.split("/").pop()!;
    const forged = `${url}/artifacts/signed/${token(otherUrl).split(".")[0]}.${token(dl.url).split(".")[1]}`;
    expect((await fetch(forged)).status).toBe(403);
    expect((await fetch(`${dl.url.slice(0, -3)}AAA`)).status).toBe(403);
    const wrongWay = await fetch(dl.url, {
      method: "PUT",
      body: "x",
      headers: { "content-type": "image/png" },
    });
    expect(wrongWay.status).toBe(403);
    expect(await wrongWay.text()).toBe("Invalid or expired signature");
    // An upload URL works once: the artifact is complete.
    const again = await fetch(up.url, { method: "PUT", body, headers: up.headers });
    expect(again.status).toBe(422);
  });

  it("expires presigned URLs", async () => {
    const a = await (await upload("alice", "name=e.txt&namespace=alice.exp", "expiring")).json();
    const dl = await (
      await json("alice", "POST", `/artifacts/${a.artifact_id}/download_url`, { expires_in: 1 })
    ).json();
    await sleep(blob === "s3" ? 2100 : 1100);
    expect((await fetch(dl.url)).status).toBe(403);
  });

  it("gives graphs a handle on the run config: put, get, list; clients render the references", async () => {
    const alice = new Client({ apiUrl: url, defaultHeaders: as("alice") });
    const thread = await alice.threads.create();
    const out = (await alice.runs.wait(thread.thread_id, "files", { input: { topic: "q3" } })) as {
      refs: {
        type: string;
        artifact_id: string;
        name: string;
        url: string;
        content_type: string;
        thread_id: string | null;
        namespace: string[] | null;
        metadata: Record<string, unknown>;
      }[];
      readBack: string;
      listed: string[];
    };
    expect(out.readBack).toBe("# q3\n");
    expect(out.listed).toEqual(["pixel.png", "q3.md"]);
    const [report, image, shared] = out.refs;
    expect(report).toMatchObject({
      type: "artifact",
      name: "q3.md",
      content_type: "text/markdown",
      thread_id: thread.thread_id,
      namespace: null,
    });
    expect(report!.metadata).toMatchObject({ kind: "report", owner: "alice" });
    expect(shared).toMatchObject({ thread_id: null, namespace: ["alice", "shared"] });
    const png = await call("alice", "GET", image!.url);
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await png.arrayBuffer()).subarray(0, 8)).toEqual(PNG_HEAD.subarray(0, 8));
    expect((await call("bob", "GET", image!.url)).status).toBe(404);
    // Another thread's files are out of the graph's reach (even of the same user).
    const other = await alice.threads.create();
    const theft = (await alice.runs.wait(other.thread_id, "files", {
      input: { topic: "x", steal: image!.artifact_id },
    })) as { stolen: boolean };
    expect(theft.stolen).toBe(false);
    expect((await call("alice", "GET", image!.url)).status).toBe(200);
    // The handle is not run metadata: checkpoints do not carry it.
    const state = await alice.threads.getState(thread.thread_id);
    expect(JSON.stringify(state.metadata ?? {})).not.toContain("artifacts");
  });

  it("deletes a thread's artifacts with the thread, and expires them by retention", async () => {
    const threadId = await newThread();
    const a = await (await upload("alice", `name=t.txt&thread_id=${threadId}`, "gone soon")).json();
    expect((await call("alice", "DELETE", `/threads/${threadId}`)).status).toBe(204);
    expect((await call("alice", "GET", `/artifacts/${a.artifact_id}`)).status).toBe(404);
    await waitFor(async () => (await rows(a.artifact_id)) === 0);
    expect(await objectExists(a)).toBe(false);

    const kept = await newThread();
    const old = await (await upload("alice", `name=old.txt&thread_id=${kept}`, "old")).json();
    const fresh = await (
      await upload("alice", `name=fresh.txt&namespace=alice.fresh`, "fresh")
    ).json();
    // Age the first one by two days, then give its thread a one-day retention.
    await sql`UPDATE artifacts SET created_at = now() - interval '2 days' WHERE artifact_id = ${old.artifact_id}`.execute(
      srv.server.storage.db,
    );
    const set = await json("alice", "PUT", "/artifacts/retention", { thread_id: kept, days: 1 });
    expect(await set.json()).toEqual({ thread_id: kept, namespace: null, days: 1 });
    expect(
      await (await call("alice", "GET", `/artifacts/retention?thread_id=${kept}`)).json(),
    ).toEqual({ thread_id: kept, namespace: null, days: 1 });
    await waitFor(async () => (await rows(old.artifact_id)) === 0);
    expect(await objectExists(old)).toBe(false);
    const still = await call("alice", "GET", `/artifacts/${fresh.artifact_id}`);
    expect(still.status).toBe(200);
    // A namespace policy sets the expiry of what is under it.
    await json("alice", "PUT", "/artifacts/retention", { namespace: ["alice", "fresh"], days: 30 });
    const withExpiry = await (await call("alice", "GET", `/artifacts/${fresh.artifact_id}`)).json();
    const days =
      (Date.parse(withExpiry.expires_at) - Date.parse(withExpiry.created_at)) / 86_400_000;
    expect(days).toBeCloseTo(30, 5);
  });

  async function rows(artifactId: string): Promise<number> {
    const res = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM artifacts WHERE artifact_id = ${artifactId}`.execute(
      srv.server.storage.db,
    );
    return Number(res.rows[0]!.n);
  }

  async function objectExists(a: {
    artifact_id: string;
    thread_id: string | null;
  }): Promise<boolean> {
    const key = `threads/${a.thread_id}/${a.artifact_id}`;
    if (srv.dir) {
      const { stat } = await import("node:fs/promises");
      return stat(`${srv.dir}/${key}`).then(
        () => true,
        () => false,
      );
    }
    const client = new S3Client({
      endpoint: s3!.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: s3!.accessKeyId, secretAccessKey: s3!.secretAccessKey },
    });
    return client.send(new HeadObjectCommand({ Bucket: s3!.bucket, Key: key })).then(
      () => true,
      (e) => (e.$metadata?.httpStatusCode === 404 ? false : Promise.reject(e)),
    );
  }
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error("condition not met in time");
}
