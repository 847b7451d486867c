/**
 * Streaming `multipart/form-data` for uploads: fields up to the first file part are collected,
 * then the file part is handed over as a stream (nothing is buffered whole). Fields sent after
 * the file are not seen, so clients put them first (browsers send form fields in form order).
 */
import { Readable } from "node:stream";
import Busboy from "@fastify/busboy";
import type { Context } from "hono";
import { invalidInput } from "../core/errors.ts";

/** The fields before the file, and the file part. */
export interface MultipartUpload {
  fields: Record<string, string>;
  file: Readable;
  filename: string | undefined;
  contentType: string | undefined;
}

/** Limits on the non-file part of a form. */
const LIMITS = { fields: 32, fieldSize: 64 * 1024, files: 1, parts: 34 };

/**
 * Parses `body` (with its `content-type` header) until the first file part. Rejects with 400 for
 * a malformed form or one without a file.
 */
export function readMultipart(body: Readable, contentType: string): Promise<MultipartUpload> {
  return new Promise((resolve, reject) => {
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({ headers: { "content-type": contentType }, limits: LIMITS });
    } catch {
      reject(invalidInput("Malformed multipart body"));
      return;
    }
    const fields: Record<string, string> = {};
    let settled = false;
    parser.on("field", (name: string, value: string) => {
      if (!settled) fields[name] = value;
    });
    parser.on(
      "file",
      (_field: string, stream: Readable, filename: string, _enc: string, mime: string) => {
        if (settled) {
          stream.resume();
          return;
        }
        settled = true;
        // Errors of the outer parse reach the consumer through the file stream.
        parser.on("error", (error: unknown) => stream.destroy(error as Error));
        resolve({
          fields,
          file: stream,
          filename: filename || undefined,
          contentType: mime || undefined,
        });
      },
    );
    parser.on("error", () => {
      if (!settled) {
        settled = true;
        reject(invalidInput("Malformed multipart body"));
      }
    });
    parser.on("finish", () => {
      if (!settled) {
        settled = true;
        reject(invalidInput("Multipart body has no file part"));
      }
    });
    body.on("error", (error) => parser.destroy(error));
    body.pipe(parser);
  });
}

/** The request body as a Node stream (an empty stream when there is none). */
export function bodyStream(c: Context): Readable {
  const raw = c.req.raw;
  return raw.body ? Readable.fromWeb(raw.body as never) : Readable.from([]);
}
