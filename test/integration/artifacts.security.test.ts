/**
 * The artifact security battery: two tenants under a custom auth handler (owner filter, namespaces
 * partitioned by their first label). Everything of alice's is missing (404) for bob on every
 * artifact route, his attempts change nothing, and anonymous calls are 401. Path traversal through
 * names, namespaces, ids and tokens never reaches outside the backend's root. Runs on PGlite with
 * the filesystem backend and on PostgreSQL with S3 (s3rver).
 */

import { mkdtemp, readdir, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FilesystemBlobStore } from "../../src/artifacts/blob-fs.ts";
import { type ArtifactServer, startArtifactServer } from "../support/artifact-server.ts";
import { startS3, type TestS3 } from "../support/s3.ts";
import { postgresAvailable } from "../support/server.ts";

const combos: { db: "pglite" | "postgres"; blob: "filesystem" | "s3" }[] = [
  { db: "pglite", blob: "filesystem" },
];
if (await postgresAvailable()) combos.push({ db: "postgres", blob: "s3" });
else {
  console.warn("\n*** PostgreSQL is not reachable: the artifact battery runs on PGlite only ***\n");
  combos.push({ db: "pglite", blob: "s3" });
}

/** A request whose path is sent verbatim (fetch would resolve dot segments first). */
function rawGet(base: string, rawPath: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: "GET", path: rawPath, headers },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe.each(combos)("artifact security battery ($db, $blob)", ({ db, blob }) => {
  let s3: TestS3 | undefined;
  let srv: ArtifactServer;
  let url: string;
  const as = (user: string) => ({ Authorization: `Bearer ${user}` });
  const call = (user: string | null, method: string, p: string, init: RequestInit = {}) =>
    fetch(`${url}${p}`, {
      ...init,
      method,
      headers: { ...(user ? as(user) : {}), ...(init.headers as Record<string, string>) },
    });
  const json = (user: string | null, method: string, p: string, body?: unknown) =>
    call(user, method, p, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
  const upload = (user: string | null, query: string, body: string, type = "text/plain") =>
    call(user, "POST", `/artifacts?${query}`, { body, headers: { "content-type": type } });

  let thread: string;
  let inThread: { artifact_id: string; url: string };
  let inNamespace: { artifact_id: string; url: string };
  let pending: { artifact_id: string };
  let snapshot: string;
  const aliceView = async () =>
    JSON.stringify(
      await (
        await json("alice", "POST", "/artifacts/search", { include_pending: true, limit: 100 })
      ).json(),
    );

  beforeAll(async () => {
    if (blob === "s3") s3 = await startS3();
    srv = await startArtifactServer({ db, s3 });
    url = srv.url;
    thread = (await new Client({ apiUrl: url, defaultHeaders: as("alice") }).threads.create())
      .thread_id;
    inThread = await (
      await upload("alice", `name=secret.txt&thread_id=${thread}`, "alice's secret")
    ).json();
    inNamespace = await (
      await upload("alice", "name=ns.txt&namespace=alice.private", "ns secret")
    ).json();
    pending = (
      await (
        await json("alice", "POST", "/artifacts/upload_url", {
          name: "p.txt",
          content_type: "text/plain",
          thread_id: thread,
        })
      ).json()
    ).artifact;
    snapshot = await aliceView();
  }, 120_000);
  afterAll(async () => {
    await srv?.stop();
    await s3?.stop();
  }, 60_000);

  it("hides every artifact of alice's from bob on every by-id route (404), changing nothing", async () => {
    for (const a of [inThread, inNamespace, pending]) {
      const id = a.artifact_id;
      const attempts: [string, string, unknown?][] = [
        ["GET", `/artifacts/${id}`],
        ["GET", `/artifacts/${id}/content`],
        ["HEAD", `/artifacts/${id}/content`],
        ["POST", `/artifacts/${id}/download_url`, {}],
        ["POST", `/artifacts/${id}/complete`, {}],
        ["DELETE", `/artifacts/${id}`],
      ];
      for (const [method, p, body] of attempts) {
        const res = await json("bob", method, p, body);
        expect(res.status, `${method} ${p}`).toBe(404);
        if (method !== "HEAD") expect(await res.text()).toBe("Artifact not found");
      }
    }
    expect(await aliceView()).toBe(snapshot);
    expect(await (await call("alice", "GET", inThread.url)).text()).toBe("alice's secret");
  });

  it("keeps alice's thread and namespaces out of bob's searches, uploads and retention", async () => {
    const search = await json("bob", "POST", "/artifacts/search", { thread_id: thread });
    expect(search.status).toBe(404);
    const everything = await (
      await json("bob", "POST", "/artifacts/search", { include_pending: true, limit: 1000 })
    ).json();
    expect(everything).toEqual([]);
    expect((await json("bob", "POST", "/artifacts/search", { namespace: ["alice"] })).status).toBe(
      403,
    );

    expect((await upload("bob", `name=x.txt&thread_id=${thread}`, "intruder")).status).toBe(404);
    expect((await upload("bob", "name=x.txt&namespace=alice.private", "intruder")).status).toBe(
      403,
    );
    const presign = await json("bob", "POST", "/artifacts/upload_url", {
      name: "x",
      content_type: "text/plain",
      thread_id: thread,
    });
    expect(presign.status).toBe(404);
    expect(
      (await json("bob", "PUT", "/artifacts/retention", { thread_id: thread, days: 1 })).status,
    ).toBe(404);
    expect((await call("bob", "GET", `/artifacts/retention?thread_id=${thread}`)).status).toBe(404);
    expect(
      (await json("bob", "PUT", "/artifacts/retention", { namespace: ["alice"], days: 1 })).status,
    ).toBe(403);
    expect(await aliceView()).toBe(snapshot);
    expect(
      await (await call("alice", "GET", `/artifacts/retention?thread_id=${thread}`)).json(),
    ).toMatchObject({ days: null });

    // Bob's own files stay his.
    const own = await (await upload("bob", "name=mine.txt&namespace=bob.notes", "bob's")).json();
    expect(own.metadata).toEqual({ owner: "bob" });
    expect((await call("alice", "GET", `/artifacts/${own.artifact_id}`)).status).toBe(404);
  });

  it("answers 401 to anonymous calls on every authenticated artifact route", async () => {
    const id = inThread.artifact_id;
    for (const [method, p] of [
      ["POST", "/artifacts?name=x"],
      ["GET", `/artifacts/${id}`],
      ["GET", `/artifacts/${id}/content`],
      ["DELETE", `/artifacts/${id}`],
      ["POST", "/artifacts/search"],
      ["POST", "/artifacts/upload_url"],
      ["POST", `/artifacts/${id}/download_url`],
      ["POST", `/artifacts/${id}/complete`],
      ["PUT", "/artifacts/retention"],
      ["GET", `/artifacts/retention?thread_id=${thread}`],
    ])
      expect(
        (await json(null, method!, p!, method === "GET" ? undefined : {})).status,
        `${method} ${p}`,
      ).toBe(401);
  });

  it("refuses traversal through names, namespaces, ids and tokens", async () => {
    for (const name of ["../../etc/passwd", "a/b", "..\\..\\boot.ini", "..", "x\u0000y", " "]) {
      const res = await upload("alice", `name=${encodeURIComponent(name)}&namespace=alice.t`, "x");
      expect([400, 422], name).toContain(res.status);
    }
    for (const ns of [
      "alice...",
      '["alice",".."]',
      '["alice","a.b"]',
      '["alice",""]',
      '["alice","\\u0000"]',
    ]) {
      const res = await upload("alice", `name=x.txt&namespace=${encodeURIComponent(ns)}`, "x");
      expect(res.status, ns).toBe(400);
    }
    // Labels with separators are kept as labels: the object stays inside the root.
    const odd = await (
      await upload(
        "alice",
        `name=x.txt&namespace=${encodeURIComponent('["alice","a/b","%2e%2e","\\\\"]')}`,
        "odd",
      )
    ).json();
    expect(odd.namespace).toEqual(["alice", "a/b", "%2e%2e", "\\"]);
    expect(await (await call("alice", "GET", odd.url)).text()).toBe("odd");
    if (srv.dir) {
      const top = await readdir(srv.dir);
      expect(top.sort()).toEqual(["namespaces", "threads"]);
      expect(await readdir(path.join(srv.dir, "namespaces", "alice"))).toContain("a%2Fb");
    }
    for (const p of [
      "/artifacts/..%2F..%2Fetc%2Fpasswd/content",
      "/artifacts/%2e%2e/content",
      `/artifacts/${inThread.artifact_id}%2F..%2F${inNamespace.artifact_id}/content`,
      "/artifacts/signed/..%2F..%2Fetc%2Fpasswd",
      "/artifacts/signed/eyJhIjoiLi4vLi4vZXRjL3Bhc3N3ZCIsIm8iOiJkb3dubG9hZCIsImUiOjQwMDAwMDAwMDB9.x",
    ]) {
      const res = await call("alice", "GET", p);
      expect([400, 403, 404], p).toContain(res.status);
    }
    for (const p of [
      "/artifacts/../threads",
      `/artifacts/${inThread.artifact_id}/../${inNamespace.artifact_id}/content`,
    ])
      expect(await rawGet(url, p, as("alice"))).toBe(404);
  });
});

describe("filesystem backend keys", () => {
  let root: string;
  let store: FilesystemBlobStore;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "olg-fs-keys-"));
    store = new FilesystemBlobStore(path.join(root, "blobs"));
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it("refuses any key that could leave its root, before touching the disk", async () => {
    for (const key of [
      "../x",
      "a/../../x",
      "/etc/passwd",
      "a//b",
      "a/./b",
      "a\\..\\b",
      "a/b\u0000",
      "",
    ]) {
      await expect(
        store.put(key, Readable.from(["x"]), { contentType: "text/plain" }),
        key,
      ).rejects.toThrow(/Unsafe object key/);
      await expect(store.get(key), key).rejects.toThrow(/Unsafe object key/);
      await expect(store.delete(key), key).rejects.toThrow(/Unsafe object key/);
    }
    expect(await readdir(root)).toEqual([]);
    await store.put("namespaces/a%2F..%2Fb/k", Readable.from(["ok"]), {
      contentType: "text/plain",
    });
    expect(await readdir(path.join(root, "blobs", "namespaces"))).toEqual(["a%2F..%2Fb"]);
  });
});
