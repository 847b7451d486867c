/**
 * LangGraph Studio's alternative authentication. Studio marks its requests with
 * `x-auth-scheme: langsmith` and sends the user's LangSmith API key in `x-api-key`. LangGraph
 * Platform then checks that key against LangSmith (`auth.disable_studio_auth: false`, the
 * documented default) instead of running the custom `authenticate` handler.
 *
 * LangSmith is not reachable from a self-hosted server, so the check is local: the exemption is
 * **off unless the operator configured the keys Studio may present** (`auth.studio.api_keys_env`,
 * `auth.studio.api_key_sha256`), and `auth.disable_studio_auth: true` turns it off whatever is
 * configured. The header alone never changes who the caller is: without configured keys it is
 * ignored (the request goes through the custom handler like any other), and with them a missing
 * or unknown key is a 401. Keys are compared as SHA-256 digests in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** Verifies the LangSmith credential of a request that claims to come from Studio. */
export interface StudioVerifier {
  /** Whether the request carries one of the accepted keys. */
  verify(request: Request): boolean;
}

/** SHA-256 hex digest of a key (what `auth.studio.api_key_sha256` lists). */
export const sha256Hex = (key: string): string =>
  createHash("sha256").update(key, "utf8").digest("hex");

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A verifier over the accepted keys' digests; `undefined` (exemption off) when there are none.
 * Throws on a digest that is not 64 hex characters (a configuration mistake).
 */
export function studioVerifier(digests: readonly string[]): StudioVerifier | undefined {
  const accepted = digests.map((d) => d.trim().toLowerCase()).filter((d) => d !== "");
  for (const d of accepted)
    if (!HEX64.test(d)) throw new Error(`auth.studio: "${d}" is not a SHA-256 hex digest`);
  if (accepted.length === 0) return undefined;
  const buffers = accepted.map((d) => Buffer.from(d, "hex"));
  return {
    verify(request) {
      const key = request.headers.get("x-api-key")?.trim();
      if (!key) return false;
      const presented = createHash("sha256").update(key, "utf8").digest();
      // Compare against every accepted key so timing does not reveal which one matched.
      let ok = false;
      for (const b of buffers) ok = timingSafeEqual(b, presented) || ok;
      return ok;
    },
  };
}
