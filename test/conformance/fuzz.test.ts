/**
 * Bounded, seeded fuzz over every route of `/openapi.json`, on every backend: malformed path ids,
 * hostile bodies (deep nesting, numbers out of range, oversized metadata, wrong types, broken JSON,
 * long strings, U+0000 and lone surrogates in bodies, paths and queries) and junk query strings.
 * Every request is sent whole (a 4xx for a bad path id must reach a client still uploading). No
 * answer may be a 5xx or hang, and no rejected request may leave anything behind: every body
 * carries a marker in its metadata, store namespace and value, and afterwards only markers of
 * accepted requests may be found. `OLG_FUZZ_SEED` replays a run; the seed is in the test name.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

const SEED = Number(process.env.OLG_FUZZ_SEED ?? 0x5eed14);
const CASES_PER_ROUTE = 10;

/** mulberry32: a small seeded PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const deep = (n: number) => `${"[".repeat(n)}1${"]".repeat(n)}`;
const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

/** Strings text columns refuse or mangle: U+0000, lone surrogates (raw and percent-encoded). */
const BAD_TEXT = ["a\u0000b", "\ud800", "x\udfffy", "\u0000"];
/** Path segments and query values, already percent-encoded as a client would send them. */
const BAD_IDS = [
  "%00",
  "%ED%A0%80",
  "a%00b",
  "not-a-uuid",
  "0",
  "-1",
  "%2e%2e",
  "a%2Fb",
  "x".repeat(1500),
  "%C3%A4%E6%BC%A2%E5%AD%97",
  "'%20OR%201%3D1%20--",
];
const NUMBERS = [
  "1e308",
  "-1e308",
  "1e999",
  "-1",
  "0.5",
  "9007199254740993",
  "1e-400",
  "-0",
  "4503599627370496", // a safe integer past int4 (store max_depth answered 500 on PostgreSQL)
  "10000000", // a page nobody should get whole
];
/** Keys spelled like JSON path syntax or escapes (SQLite and MariaDB build paths from them). */
const PATH_KEYS = ['a"b', "a\\b", "\\u0041", "a.b", "$", "a[0]", "*", "a\nb", "\u0001"];

describe.each(sharedServers())("fuzz over /openapi.json ($backend)", ({ url }) => {
  it(`no 5xx, no hang, no partial write (seed ${SEED})`, async () => {
    const rand = prng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const marker = randomUUID();
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    /** A hostile body carrying the request's marker where a metadata map is expected. */
    const body = (i: number): string => {
      const meta = { fuzz: marker, fuzz_i: i };
      const field = pick([
        "ttl",
        "limit",
        "offset",
        "after_seconds",
        "max_depth",
        "version",
        "value",
      ]);
      switch (Math.floor(rand() * 11)) {
        case 0:
          return `{"metadata":${JSON.stringify(meta)},"x":${deep(100 + Math.floor(rand() * 20_000))}}`;
        case 1:
          return `{"metadata":${JSON.stringify(meta)},"${field}":${pick(NUMBERS)}}`;
        case 2:
          return JSON.stringify({
            metadata: { ...meta, ...keys(129 + Math.floor(rand() * 4000)) },
          });
        case 3:
          return JSON.stringify({ metadata: meta, config: { configurable: keys(5000) } });
        case 4:
          return pick(["[]", "null", "true", '"s"', "1", "{", '{"a":', "\u00ff\u00fe", "[1,2"]);
        case 5:
          return JSON.stringify({ metadata: meta, [field]: pick([[], {}, "x", true, null]) });
        case 6:
          return JSON.stringify({
            metadata: meta,
            input: "y".repeat(100_000 + Math.floor(rand() * 400_000)),
          });
        case 7:
          return JSON.stringify({
            metadata: meta,
            assistant_id: pick(["agent", randomUUID(), "nope"]),
            graph_id: pick(["agent", "nope"]),
            namespace: pick([[marker], [], [1], "a", [""], [marker, ""], [marker, "a.b"]]),
            key: pick(["k", "", 1]),
            value: pick([{ a: 1, fuzz_i: i }, 1, null]),
            thread_ids: [pick(BAD_IDS)],
            schedule: pick(["* * * * *", "bad", "99 99 * * *"]),
            [field]: pick([1e308, -1, 0.5]),
          });
        case 8:
          return rand() < 0.5
            ? JSON.stringify({ metadata: { ...meta, deep: JSON.parse(deep(20)) } })
            : // U+0000 and lone surrogates in keys and values, where text columns receive them.
              JSON.stringify({
                metadata: { ...meta, [pick(BAD_TEXT)]: pick(BAD_TEXT) },
                name: pick(BAD_TEXT),
                graph_id: pick(["agent", pick(BAD_TEXT)]),
                namespace: [marker, pick(BAD_TEXT)],
                key: pick(BAD_TEXT),
                value: { v: pick(BAD_TEXT), fuzz_i: i },
                query: pick(BAD_TEXT),
                input: { messages: [{ role: "user", content: pick(BAD_TEXT) }] },
              });
        case 9: {
          // Long lists (bind parameters, SQL expression depth) and path-like keys in filters.
          const long = Array.from({ length: pick([1001, 3000, 70_000]) }, (_, j) => j);
          return JSON.stringify({
            metadata: { ...meta, [pick(PATH_KEYS)]: pick([long.slice(0, 1000), 1]) },
            ids: long.map(() => marker).slice(0, 2000),
            run_ids: [randomUUID()],
            values: { [pick(PATH_KEYS)]: long },
            filter: { [pick(PATH_KEYS)]: { $in: long } },
            namespace_prefix: [marker],
            interrupt_before: long.map(String),
            select: ["thread_id"],
            limit: pick([1000, 10_000_000]),
          });
        }
        default:
          return JSON.stringify({
            metadata: meta,
            status: pick(["idle", "nope", 1]),
            values: pick([{}, []]),
          });
      }
    };
    const query = () =>
      pick([
        "",
        `?limit=${pick(NUMBERS)}`,
        `?offset=${pick(NUMBERS)}`,
        "?limit=abc&offset=-5",
        `?namespace=${pick(BAD_IDS)}`,
        "?include=%5B%22ttl%22",
        `?prefix=${pick(BAD_IDS)}&namespace=${pick(BAD_IDS)}.b`,
        `?thread_id=${pick(["%00", "%ED%A0%80", "x"])}&limit=%00`,
        `?stream_mode=${pick(["nope", "values", "[1"])}`,
      ]);

    const accepted = new Set<number>();
    const failures: string[] = [];
    let i = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (path.startsWith("/internal/")) continue; // wipes the shared test server on purpose
      for (const method of Object.keys(methods)) {
        for (let n = 0; n < CASES_PER_ROUTE; n++, i++) {
          const concrete = path.replace(/\{[a-z_]+\}/g, () =>
            rand() < 0.6 ? pick(BAD_IDS) : randomUUID(),
          );
          const withBody = method !== "get" && (method !== "delete" || rand() < 0.2);
          const label = `${method.toUpperCase()} ${concrete.slice(0, 100)} #${i}`;
          try {
            const res = await fetch(`${url}${concrete}${query()}`, {
              method: method.toUpperCase(),
              headers: { "content-type": "application/json" },
              body: withBody ? body(i) : undefined,
              signal: AbortSignal.timeout(30_000),
            });
            await res.body?.cancel();
            if (res.status >= 500) failures.push(`${label}: ${res.status}`);
            if (res.status < 300) accepted.add(i);
          } catch (error) {
            failures.push(
              `${label}: ${(error as Error).name} ${String((error as any).cause?.code ?? (error as any).cause ?? (error as Error).message)}`,
            );
          }
        }
      }
    }
    expect(i).toBeGreaterThan(500);
    expect(failures).toEqual([]);
    expect((await fetch(`${url}/ok`)).status).toBe(200);

    // Nothing from a rejected request exists.
    const search = async (path: string) =>
      (await (
        await fetch(`${url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ metadata: { fuzz: marker }, limit: 1000 }),
        })
      ).json()) as { metadata: { fuzz_i?: number } }[];
    const found = [...(await search("/threads/search")), ...(await search("/assistants/search"))];
    const leaked = found.map((r) => r.metadata.fuzz_i).filter((n) => n == null || !accepted.has(n));
    expect(leaked).toEqual([]);
    // Store writes name the marker's namespace: items there exist only if a PUT was accepted.
    const items = (await (
      await fetch(`${url}/store/items/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ namespace_prefix: [marker], limit: 1000 }),
      })
    ).json()) as { items: { value: { fuzz_i?: number } }[] };
    const leakedItems = items.items
      .map((item) => item.value?.fuzz_i)
      .filter((n) => n == null || !accepted.has(n));
    expect(leakedItems).toEqual([]);
  }, 600_000);
});
