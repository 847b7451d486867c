/**
 * Pure parts of artifacts: byte ranges, server-signed tokens, content types and sniffing,
 * retention resolution and the S3 lifecycle rules derived from the policies, object keys.
 */
import { describe, expect, it } from "vitest";
import { checkContentType, inlineSafe, sniffMatches } from "../../src/artifacts/content-type.ts";
import { checkNamespace, isSafeKey, objectKey, targetKey } from "../../src/artifacts/keys.ts";
import { lifecycleRules, retentionDays } from "../../src/artifacts/lifecycle.ts";
import { TransferSigner } from "../../src/artifacts/signing.ts";
import { DomainError } from "../../src/core/errors.ts";
import { parseRange } from "../../src/http/range.ts";

const ID = "0b6f2a8e-5d1c-4b7a-9f3e-2c4d6e8f0a1b";

describe("parseRange", () => {
  it.each([
    ["bytes=0-9", { start: 0, end: 9 }],
    ["bytes=90-", { start: 90, end: 99 }],
    ["bytes=-10", { start: 90, end: 99 }],
    ["bytes=-500", { start: 0, end: 99 }],
    ["bytes=50-5000", { start: 50, end: 99 }],
    ["bytes=0-1,5-6", null], // several ranges: the whole body
    ["items=0-1", null],
    ["bytes=9-3", null],
    [undefined, null],
  ])("%s → %j", (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });

  it("answers 416 with the size for ranges past the end", () => {
    for (const header of ["bytes=100-", "bytes=-0", "bytes=0-"]) {
      const size = header === "bytes=0-" ? 0 : 100;
      try {
        parseRange(header, size);
        expect.unreachable(header);
      } catch (error) {
        expect((error as DomainError).code).toBe("range_not_satisfiable");
        expect((error as DomainError).headers).toEqual({ "content-range": `bytes */${size}` });
      }
    }
  });
});

describe("TransferSigner", () => {
  const signer = new TransferSigner("a test secret of enough length");
  const grant = { artifactId: ID, op: "download" as const, exp: 2_000 };

  it("verifies its own tokens until they expire", () => {
    const token = signer.sign(grant);
    expect(signer.verify(token, 1_999)).toEqual(grant);
    expect(signer.verify(token, 2_000)).toBeNull();
  });

  it("refuses altered payloads, other keys and junk", () => {
    const token = signer.sign(grant);
    const [payload, mac] = token.split(".") as [string, string];
    const other = signer.sign({ ...grant, op: "upload" }).split(".")[0];
    expect(signer.verify(`${other}.${mac}`, 0)).toBeNull();
    const flipped = mac.endsWith("A") ? "B" : "A";
    expect(signer.verify(`${payload}.${mac.slice(0, -1)}${flipped}`, 0)).toBeNull();
    expect(new TransferSigner("another secret, also long").verify(token, 0)).toBeNull();
    expect(new TransferSigner().verify(token, 0)).toBeNull();
    for (const junk of ["", ".", "a.b.c", `${payload}.`, "x".repeat(300)])
      expect(signer.verify(junk, 0)).toBeNull();
  });
});

describe("content types", () => {
  it("accepts well-formed types within the allow-list, parameters kept", () => {
    expect(checkContentType("text/plain; charset=utf-8", [])).toBe("text/plain; charset=utf-8");
    expect(checkContentType("image/PNG", ["image/*"])).toBe("image/PNG");
    expect(() => checkContentType("application/zip", ["image/*", "text/plain"])).toThrow(
      "Content type not allowed: application/zip",
    );
    for (const bad of ["", "text", "text/", "/plain", "a b/c", null, undefined])
      expect(() => checkContentType(bad, [])).toThrow(DomainError);
  });

  it("checks signatures of common binary formats", () => {
    const png = Buffer.from("89504e470d0a1a0a0000", "hex");
    expect(sniffMatches("image/png", png)).toBe(true);
    expect(sniffMatches("image/png", Buffer.from("GIF89a"))).toBe(false);
    expect(sniffMatches("image/gif", Buffer.from("GIF89a...."))).toBe(true);
    expect(sniffMatches("application/pdf", Buffer.from("%PDF-1.7"))).toBe(true);
    expect(sniffMatches("image/jpeg", Buffer.alloc(0))).toBe(false);
    expect(sniffMatches("text/plain", Buffer.alloc(0))).toBe(true);
  });

  it("shows only passive types inline", () => {
    expect(inlineSafe("image/png")).toBe(true);
    for (const t of ["text/html", "image/svg+xml", "application/xml", "text/javascript"])
      expect(inlineSafe(t)).toBe(false);
  });
});

describe("keys", () => {
  it("lays objects out by thread, namespace or neither, labels encoded", () => {
    expect(objectKey(ID, { threadId: "t1", namespace: ["a"] })).toBe(`threads/t1/${ID}`);
    expect(objectKey(ID, { namespace: ["a/b", "%2e"] })).toBe(`namespaces/a%2Fb/%252e/${ID}`);
    expect(objectKey(ID, {})).toBe(`objects/${ID}`);
    expect(isSafeKey(objectKey(ID, { namespace: ["a/b", "\\"] }))).toBe(true);
    for (const k of ["../a", "a/../b", "/a", "a//b", "a\\b", "", "a/."])
      expect(isSafeKey(k)).toBe(false);
  });

  it("refuses namespaces with dots, empty or control characters, too many labels", () => {
    for (const ns of [[], ["a.b"], [".."], [""], ["a\u0001"], Array(17).fill("a")])
      expect(() => checkNamespace(ns)).toThrow(DomainError);
    expect(() => checkNamespace(["a", "b/c"])).not.toThrow();
  });
});

describe("retention", () => {
  const policies = new Map([
    [targetKey({ threadId: "t1" }), 3],
    [targetKey({ namespace: ["org"] }), 30],
    [targetKey({ namespace: ["org", "tmp"] }), 1],
  ]);

  it("takes the thread's policy, then the longest namespace prefix, then the default", () => {
    expect(retentionDays({ threadId: "t1", namespace: ["org"] }, policies, 90)).toBe(3);
    expect(retentionDays({ threadId: "t2", namespace: ["org", "tmp", "x"] }, policies, 90)).toBe(1);
    expect(retentionDays({ namespace: ["org", "keep"] }, policies, 90)).toBe(30);
    expect(retentionDays({ namespace: ["other"] }, policies, 90)).toBe(90);
    expect(retentionDays({}, policies, null)).toBeNull();
  });

  it("derives S3 lifecycle rules that never expire an object before the database does", () => {
    const rules = lifecycleRules(policies, 90);
    const byPrefix = Object.fromEntries(rules.map((r) => [r.prefix, r.days]));
    expect(byPrefix["threads/t1/"]).toBe(3);
    expect(byPrefix["namespaces/org/tmp/"]).toBe(1);
    // org/ keeps 30 days, but nothing under it keeps longer: the rule is safe.
    expect(byPrefix["namespaces/org/"]).toBe(30);
    expect(byPrefix["objects/"]).toBe(90);
    expect(byPrefix["namespaces/"]).toBe(90);
    expect(byPrefix["threads/"]).toBe(90);
    // A nested policy longer than its parent's suppresses the parent rule, and a namespace
    // policy longer than the default suppresses the default for namespaces and threads.
    const nested = new Map([
      [targetKey({ namespace: ["org"] }), 5],
      [targetKey({ namespace: ["org", "archive"] }), 400],
    ]);
    const prefixes = lifecycleRules(nested, 90).map((r) => r.prefix);
    expect(prefixes).toContain("namespaces/org/archive/");
    expect(prefixes).not.toContain("namespaces/org/");
    expect(prefixes).not.toContain("namespaces/");
    expect(prefixes).not.toContain("threads/");
    expect(prefixes).toContain("objects/");
    expect(lifecycleRules(new Map(), null)).toEqual([]);
  });
});
