/**
 * Content types of artifacts: syntax, the configured allow-list, a check of the first bytes of
 * common binary formats against the declared type, and which types a browser may show inline
 * (everything else downloads as an attachment, so an uploaded HTML or SVG file never runs in the
 * server's origin).
 */
import { DomainError } from "../core/errors.ts";

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MIME = new RegExp(`^(${TOKEN})/(${TOKEN})$`);

/** Lower-cased `type/subtype` without parameters, or null when malformed. */
export function essence(contentType: string | null | undefined): string | null {
  if (!contentType) return null;
  const bare = contentType.split(";")[0]!.trim().toLowerCase();
  return MIME.test(bare) ? bare : null;
}

/** The 415 every refused type answers. */
export const unsupportedType = (type: string) =>
  new DomainError("unsupported_media_type", `Content type not allowed: ${type}`);

/**
 * The normalised type of an upload (parameters such as `charset` kept), or throws 415 when it is
 * malformed or outside `allowed` (patterns `image/png`, `image/*`, `*\/*`; empty = everything).
 */
export function checkContentType(contentType: string | null | undefined, allowed: string[]) {
  const bare = essence(contentType);
  if (!bare) throw unsupportedType(String(contentType ?? "(none)"));
  if (allowed.length > 0 && !allowed.some((pattern) => typeMatches(bare, pattern)))
    throw unsupportedType(bare);
  return contentType!.trim();
}

function typeMatches(type: string, pattern: string): boolean {
  const p = pattern.trim().toLowerCase();
  if (p === "*/*" || p === "*") return true;
  if (p.endsWith("/*")) return type.startsWith(p.slice(0, -1));
  return type === p;
}

/** Signatures of formats whose declared type is checked against the first bytes. */
const SIGNATURES: Record<string, (b: Uint8Array) => boolean> = {
  "image/png": (b) => starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  "image/jpeg": (b) => starts(b, [0xff, 0xd8, 0xff]),
  "image/gif": (b) => ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a"),
  "image/webp": (b) => ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP"),
  "application/pdf": (b) => ascii(b, 0, "%PDF-"),
  "application/zip": (b) => starts(b, [0x50, 0x4b]),
};

const starts = (b: Uint8Array, sig: number[]) => sig.every((v, i) => b[i] === v);
const ascii = (b: Uint8Array, at: number, text: string) =>
  [...text].every((ch, i) => b[at + i] === ch.charCodeAt(0));

/** How many leading bytes `sniffMatches` needs. */
export const SNIFF_BYTES = 16;

/**
 * Whether the first bytes agree with a declared type that has a known signature (types without
 * one always agree). An empty file agrees with nothing that has a signature.
 */
export function sniffMatches(contentType: string, head: Uint8Array): boolean {
  const check = SIGNATURES[essence(contentType) ?? ""];
  return check ? check(head) : true;
}

const INLINE = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "application/pdf",
  "text/plain",
  "text/csv",
  "text/markdown",
  "application/json",
  "audio/mpeg",
  "audio/wav",
  "audio/ogg",
  "video/mp4",
  "video/webm",
]);

/** Whether a browser may render the type inline (never HTML, SVG, XML or scripts). */
export const inlineSafe = (contentType: string) => INLINE.has(essence(contentType) ?? "");
