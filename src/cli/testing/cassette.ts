/**
 * Recorded models: while scenarios run in process, outgoing HTTP calls (the model provider's API,
 * whatever client the graph uses, as long as it goes through `fetch`) are recorded to a cassette
 * file, or replayed from it so a scenario runs without a key and gives the same answers every time.
 * A request is keyed by method, URL and body; identical requests replay their recordings in order.
 * Requests to `passthrough` origins (our own server) are never recorded.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** One recorded exchange. */
interface Recording {
  key: string;
  request: { method: string; url: string; body: string };
  response: { status: number; headers: Record<string, string>; body: string };
}

/** A cassette file's content. */
interface CassetteFile {
  version: 1;
  recordings: Recording[];
}

/** An installed interceptor. */
export interface Cassette {
  /** Writes the cassette (record mode) and restores `fetch`. */
  close(): Promise<void>;
  /** Requests served from (or written to) the cassette. */
  readonly count: number;
}

const keyOf = (method: string, url: string, body: string) =>
  createHash("sha256").update(`${method} ${url}\n${body}`).digest("hex").slice(0, 32);

async function bodyText(body: unknown): Promise<string> {
  if (body == null) return "";
  if (typeof body === "string") return body;
  if (body instanceof URLSearchParams) return body.toString();
  return new Response(body as BodyInit).text();
}

/** Where the cassette of a scenario file lives: `__recordings__/<file>.json` beside it. */
export function cassettePath(scenarioFile: string): string {
  return path.join(
    path.dirname(scenarioFile),
    "__recordings__",
    `${path.basename(scenarioFile)}.json`,
  );
}

/** Replaces `globalThis.fetch` to record or replay; `passthrough` origins go to the network. */
export async function installCassette(
  file: string,
  mode: "record" | "replay",
  passthrough: string[],
): Promise<Cassette> {
  const realFetch = globalThis.fetch;
  const recorded: Recording[] = [];
  const queues = new Map<string, Recording[]>();
  if (mode === "replay") {
    let content: CassetteFile;
    try {
      content = JSON.parse(await readFile(file, "utf-8")) as CassetteFile;
    } catch {
      content = { version: 1, recordings: [] };
    }
    for (const r of content.recordings) queues.set(r.key, [...(queues.get(r.key) ?? []), r]);
  }
  let count = 0;
  globalThis.fetch = async function cassetteFetch(input: RequestInfo | URL, init?: RequestInit) {
    const request = new Request(input, init);
    if (passthrough.some((origin) => request.url.startsWith(origin))) return realFetch(input, init);
    const body = await bodyText(
      init?.body ?? (input instanceof Request ? await input.clone().text() : null),
    );
    const key = keyOf(request.method, request.url, body);
    count++;
    if (mode === "replay") {
      const hit = queues.get(key)?.shift();
      if (!hit)
        throw new Error(
          `no recording for ${request.method} ${request.url} in ${file}; run \`olg test --record\` with the provider's key set`,
        );
      return new Response(hit.response.body, {
        status: hit.response.status,
        headers: hit.response.headers,
      });
    }
    const res = await realFetch(input, init);
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      if (!["content-encoding", "content-length", "transfer-encoding", "set-cookie"].includes(k))
        headers[k] = v;
    });
    recorded.push({
      key,
      request: { method: request.method, url: request.url, body },
      response: { status: res.status, headers, body: text },
    });
    return new Response(text, { status: res.status, headers });
  } as typeof fetch;
  return {
    get count() {
      return count;
    },
    async close() {
      globalThis.fetch = realFetch;
      if (mode === "record" && recorded.length > 0) {
        await mkdir(path.dirname(file), { recursive: true });
        const content: CassetteFile = { version: 1, recordings: recorded };
        await writeFile(file, `${JSON.stringify(content, null, 2)}\n`);
      }
    },
  };
}
