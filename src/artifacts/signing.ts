/**
 * Server-signed transfer tokens, for backends that cannot presign (filesystem): a token names one
 * artifact, one operation and an expiry, and carries an HMAC-SHA256 over them with the server's
 * key. `PUT`/`GET /artifacts/signed/:token` accept nothing else, so a URL gives access to exactly
 * one object, one way, until it expires.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** What a token grants. */
export interface TransferGrant {
  artifactId: string;
  op: "upload" | "download";
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const b64 = (buf: Buffer | string) => Buffer.from(buf).toString("base64url");

/** Signs and verifies transfer tokens with one key (32 random bytes when none is configured). */
export class TransferSigner {
  readonly #key: Buffer;

  constructor(secret?: string | null) {
    this.#key = secret ? Buffer.from(secret, "utf-8") : randomBytes(32);
  }

  #mac(payload: string): string {
    return createHmac("sha256", this.#key).update(payload).digest("base64url");
  }

  /** A token for `grant`: `<payload>.<mac>`, URL-safe. */
  sign(grant: TransferGrant): string {
    const payload = b64(JSON.stringify({ a: grant.artifactId, o: grant.op, e: grant.exp }));
    return `${payload}.${this.#mac(payload)}`;
  }

  /** The grant of a valid, unexpired token; null for anything else (forged, altered, expired). */
  verify(token: string, nowSeconds: number): TransferGrant | null {
    const [payload, mac, extra] = token.split(".");
    if (!payload || !mac || extra !== undefined) return null;
    const expected = Buffer.from(this.#mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    let parsed: { a?: unknown; o?: unknown; e?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf-8"));
    } catch {
      return null;
    }
    const { a, o, e } = parsed;
    if (typeof a !== "string" || (o !== "upload" && o !== "download") || typeof e !== "number")
      return null;
    if (e <= nowSeconds) return null;
    return { artifactId: a, op: o, exp: e };
  }
}
