/**
 * The stream an upload passes through on its way to a backend: counts bytes and fails past the
 * size limit (413), hashes (SHA-256), and checks the first bytes against the declared type (415).
 * Memory stays at one chunk whatever the size of the upload.
 */
import { createHash } from "node:crypto";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { DomainError } from "../core/errors.ts";
import { SNIFF_BYTES, sniffMatches, unsupportedType } from "./content-type.ts";

/** The 413 of an upload over the limit. */
export const tooLarge = (maxBytes: number) =>
  new DomainError("payload_too_large", `Artifact exceeds the size limit of ${maxBytes} bytes`);

/** A pass-through that enforces `maxBytes` and the declared type; read `byteCount`/`sha256` after. */
export class UploadGuard extends Transform {
  /** Bytes passed so far (not `size`: upload libraries read `Body.size` as the total length). */
  byteCount = 0;
  #hash = createHash("sha256");
  #head: Buffer[] = [];
  #headLength = 0;
  #sniffed = false;
  #digest: string | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly contentType: string,
  ) {
    super();
  }

  /** Hex SHA-256 of everything that passed (after the stream ended). */
  get sha256(): string {
    this.#digest ??= this.#hash.digest("hex");
    return this.#digest;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.byteCount += chunk.length;
    if (this.byteCount > this.maxBytes) {
      done(tooLarge(this.maxBytes));
      return;
    }
    this.#hash.update(chunk);
    if (!this.#sniffed) {
      this.#head.push(chunk);
      this.#headLength += chunk.length;
      if (this.#headLength >= SNIFF_BYTES && !this.#sniff()) {
        done(this.#mismatch());
        return;
      }
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (!this.#sniffed && !this.#sniff()) done(this.#mismatch());
    else done();
  }

  #sniff(): boolean {
    this.#sniffed = true;
    const head = Buffer.concat(this.#head).subarray(0, SNIFF_BYTES);
    this.#head = [];
    return sniffMatches(this.contentType, head);
  }

  #mismatch() {
    return unsupportedType(`${this.contentType} (the content does not match the declared type)`);
  }
}

/**
 * `body` through an `UploadGuard`. Data may flow (and the guard fail) before the backend has
 * attached its listeners: the failure is kept on the destroyed stream (`errored`), which the
 * backend's pipeline or iterator then reports, so it is never an uncaught `error` event.
 */
export function guarded(body: Readable, maxBytes: number, contentType: string): UploadGuard {
  const guard = new UploadGuard(maxBytes, contentType);
  guard.on("error", () => {});
  body.once("error", (error) => guard.destroy(error));
  body.pipe(guard);
  return guard;
}

/** Turns bytes, text or an async iterable into a stream for `create`. */
export function toReadable(
  data: string | Uint8Array | AsyncIterable<Uint8Array> | Readable,
): Readable {
  if (data instanceof Readable) return data;
  if (typeof data === "string" || data instanceof Uint8Array)
    return Readable.from([
      typeof data === "string" ? Buffer.from(data, "utf-8") : Buffer.from(data),
    ]);
  return Readable.from(data);
}
