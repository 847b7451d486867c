/**
 * One delivery attempt. Remote URLs go out through `node:http(s)` with a DNS lookup that checks
 * every resolved address against the policy before the socket connects (no gap between the
 * check and the connection for a rebinding name to exploit). Relative paths are dispatched
 * in-process through the app's own fetch (loopback), when the policy allows them.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { BlockList } from "node:net";
import { addressAllowed, type WebhookTarget, WebhookUrlError } from "./policy.ts";

/** What an attempt produced: an HTTP status, or a failure before any answer. */
export type AttemptResult =
  | { kind: "answered"; status: number; retryAfterMs?: number }
  | { kind: "failed"; error: string; refused: boolean };

/** The app's own fetch for relative webhook paths. */
export type LoopbackDispatch = (request: Request) => Response | Promise<Response>;

/** Resolves `host` to every address, refusing the name if any address is disallowed. */
export function resolveChecked(host: string, allow: BlockList): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (err, addresses) => {
      if (err) return reject(new WebhookUrlError("Failed to resolve webhook host"));
      if (addresses.length === 0)
        return reject(new WebhookUrlError("Failed to resolve webhook host"));
      if (addresses.some((a) => !addressAllowed(a.address, allow)))
        return reject(new WebhookUrlError("Webhook host resolves to a disallowed IP"));
      resolve(addresses);
    });
  });
}

const retryAfter = (value: string | string[] | undefined): number | undefined => {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
};

/** POSTs `body` to a remote URL; the lookup refuses disallowed addresses. */
function postRemote(
  url: URL,
  body: string,
  headers: Record<string, string>,
  allow: BlockList,
  timeoutMs: number,
): Promise<AttemptResult> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body).toString() },
        timeout: timeoutMs,
        lookup: (hostname, options, callback) => {
          resolveChecked(hostname, allow).then(
            (addresses) => {
              const family = (options as { family?: number }).family;
              const pick = addresses.find((a) => !family || a.family === family) ?? addresses[0]!;
              if ((options as { all?: boolean }).all) (callback as any)(null, addresses);
              else callback(null, pick.address, pick.family);
            },
            (err) => callback(err, "", 0),
          );
        },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({
            kind: "answered",
            status: res.statusCode ?? 0,
            retryAfterMs: retryAfter(res.headers["retry-after"]),
          }),
        );
        res.on("error", (err) => resolve({ kind: "failed", error: err.message, refused: false }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on("error", (err) =>
      resolve({ kind: "failed", error: err.message, refused: err instanceof WebhookUrlError }),
    );
    req.end(body);
  });
}

/** Makes one attempt at `target`. */
export async function deliverOnce(
  target: WebhookTarget,
  body: string,
  headers: Record<string, string>,
  options: { allow: BlockList; timeoutMs: number; loopback?: LoopbackDispatch },
): Promise<AttemptResult> {
  if (target.kind === "remote")
    return postRemote(target.url, body, headers, options.allow, options.timeoutMs);
  if (!options.loopback) return { kind: "failed", error: "loopback is not bound", refused: true };
  try {
    const res = await options.loopback(
      new Request(`http://localhost${target.path}`, {
        method: "POST",
        body,
        headers,
        signal: AbortSignal.timeout(options.timeoutMs),
      }),
    );
    await res.body?.cancel();
    return {
      kind: "answered",
      status: res.status,
      retryAfterMs: retryAfter(res.headers.get("retry-after") ?? undefined),
    };
  } catch (err) {
    return { kind: "failed", error: (err as Error).message, refused: false };
  }
}
