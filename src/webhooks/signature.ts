/**
 * Webhook signatures in the Standard Webhooks format (standardwebhooks.com): each delivery carries
 * `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64
 * HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`. A receiver recomputes the HMAC and refuses
 * stale timestamps (replays). Secrets of the form `whsec_<base64>` are decoded as the spec says;
 * any other string is used as its UTF-8 bytes. Every retry of one delivery keeps its id.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const keyBytes = (secret: string): Buffer =>
  secret.startsWith("whsec_")
    ? Buffer.from(secret.slice(6), "base64")
    : Buffer.from(secret, "utf8");

/** The `v1,<base64>` signature of one message. */
export function signWebhook(
  secret: string,
  id: string,
  timestampSec: number,
  body: string,
): string {
  const mac = createHmac("sha256", keyBytes(secret)).update(`${id}.${timestampSec}.${body}`);
  return `v1,${mac.digest("base64")}`;
}

/** The three signature headers for a delivery sent now. */
export function signatureHeaders(
  secret: string,
  id: string,
  body: string,
  now: Date,
): Record<string, string> {
  const ts = Math.floor(now.getTime() / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": signWebhook(secret, id, ts, body),
  };
}

/**
 * Verifies a received webhook (for receivers, and our tests): true when one of the
 * space-separated `v1,` signatures matches and the timestamp is within `toleranceSec` of `now`.
 */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  now: Date = new Date(),
  toleranceSec = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(now.getTime() / 1000 - ts) > toleranceSec) return false;
  const expected = Buffer.from(signWebhook(secret, headers.id, ts, body));
  return headers.signature.split(" ").some((candidate) => {
    const got = Buffer.from(candidate);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
