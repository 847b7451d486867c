/**
 * HTTP `Range: bytes=…` for downloads (RFC 9110 §14): one range, `start-end`, `start-` or
 * `-suffix`. Several ranges are answered with the whole body (allowed by the RFC); a range that
 * cannot be satisfied answers 416 with `Content-Range: bytes *\/size`.
 */
import type { ByteRange } from "../artifacts/types.ts";
import { DomainError } from "../core/errors.ts";

/** The range to send, null for the whole body; throws 416 when it cannot be satisfied. */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  if (!header) return null;
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header.trim());
  if (!m) return null; // unknown unit, several ranges or junk: ignored, the whole body is sent
  const [, a, b] = m as unknown as [string, string, string];
  let start: number;
  let end: number;
  if (a === "" && b === "") return null;
  if (a === "") {
    const suffix = Number(b);
    if (suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== "" && Number(b) < start) return null; // invalid: ignored
  }
  if (start >= size || size === 0) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): DomainError {
  return new DomainError("range_not_satisfiable", "Range Not Satisfiable", {
    "content-range": `bytes */${size}`,
  });
}
