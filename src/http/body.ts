/**
 * Request bodies, read as a stream. `readBodyText` copies the chunks into one buffer sized from
 * `Content-Length` (grown by doubling when the length is not declared), refuses a body past the
 * limit as it arrives (413), and decodes it once: a body near the limit costs about its size twice
 * (bytes, then the string) instead of the chunk list, the joined copy and the string of
 * `Request.text()`. `drainUnreadBody` reads and drops a body its handler answered without reading
 * (a 404 for a bad path id, a 401), so a client still uploading gets that answer instead of a
 * connection reset (the HTTP adapter otherwise closes the socket 500 ms after the answer).
 */
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";

const decoder = new TextDecoder(); // UTF-8; strips a leading BOM like Request.text()

/** The body limit of the app handling `c`, in bytes (10 MiB when none was set). */
export function bodyLimitOf(c: Context): number {
  return c.get("bodyLimit") ?? 10 * 1024 * 1024;
}

function tooLarge(): HTTPException {
  const headers = { "content-type": "text/plain;charset=UTF-8", connection: "close" };
  return new HTTPException(413, {
    res: new Response("Payload Too Large", { status: 413, headers }),
  });
}

/**
 * Reads `c`'s body as UTF-8 text of at most `limit` bytes (throws a 413 `HTTPException` past it,
 * without reading further). The text is cached on the request, so later `c.req.text()`/`json()`
 * calls see it.
 */
export async function readBodyText(c: Context, limit = bodyLimitOf(c)): Promise<string> {
  const cached = (c.req.bodyCache as { text?: Promise<string> }).text;
  if (cached) return cached;
  const stream = c.req.raw.body;
  if (!stream || c.req.raw.bodyUsed) return c.req.text();
  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  let buffer = Buffer.allocUnsafe(
    Number.isFinite(declared) && declared > 0 ? declared : Math.min(limit, 64 * 1024),
  );
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    if (size + value.byteLength > buffer.length) {
      const grown = Buffer.allocUnsafe(
        Math.min(limit, Math.max(buffer.length * 2, size + value.byteLength)),
      );
      buffer.copy(grown, 0, 0, size);
      buffer = grown;
    }
    buffer.set(value, size);
    size += value.byteLength;
  }
  const text = decoder.decode(buffer.subarray(0, size));
  (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
  return text;
}

/**
 * Middleware: once the handler answered, reads and drops a request body nobody read (at most the
 * body limit; a larger declared body is left to the adapter, which closes the connection).
 */
export function drainUnreadBody(): MiddlewareHandler {
  return async function drainUnread(c, next) {
    await next();
    const method = c.req.method;
    if (method === "GET" || method === "HEAD" || method === "OPTIONS") return;
    if (Object.keys(c.req.bodyCache).length > 0) return;
    const declared = Number(c.req.header("content-length"));
    if (Number.isFinite(declared) && (declared === 0 || declared > bodyLimitOf(c))) return;
    const raw = c.req.raw;
    // Read, or handed to a parser (a locked stream): not ours to drain.
    if (!raw.body || raw.bodyUsed || raw.body.locked) return;
    let size = 0;
    try {
      const reader = raw.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        size += value.byteLength;
        if (size > bodyLimitOf(c)) {
          await reader.cancel();
          return;
        }
      }
    } catch {
      // The client went away: nothing to drain.
    }
  };
}
