/**
 * The filesystem blob backend, the embedded default (`olg dev` needs nothing): one file per
 * object under a root folder. Writes stream into a temporary file beside the target and are
 * renamed into place once complete, so readers never see half a file. Keys are checked
 * (`isSafeKey`) and the resolved path must stay inside the root.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { newId } from "../core/ids.ts";
import { isSafeKey } from "./keys.ts";
import {
  type BlobHead,
  BlobNotFoundError,
  type BlobObject,
  type BlobStore,
  type ByteRange,
} from "./types.ts";

/** Objects as files under `root`. */
export class FilesystemBlobStore implements BlobStore {
  readonly kind = "filesystem" as const;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  #path(key: string): string {
    const full = path.resolve(this.root, ...key.split("/"));
    if (!isSafeKey(key) || !full.startsWith(this.root + path.sep))
      throw new Error(`Unsafe object key refused: ${JSON.stringify(key)}`);
    return full;
  }

  async put(key: string, body: Readable, _options?: { contentType: string }): Promise<void> {
    const target = this.#path(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${newId()}.part`;
    try {
      await pipeline(body, createWriteStream(temp, { flags: "wx" }));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<BlobObject> {
    const file = this.#path(key);
    const size = await stat(file).then(
      (s) => s.size,
      () => null,
    );
    if (size == null) throw new BlobNotFoundError(key);
    const body = createReadStream(file, range ? { start: range.start, end: range.end } : {});
    return { body, size };
  }

  async head(key: string): Promise<BlobHead | null> {
    const s = await stat(this.#path(key)).catch(() => null);
    return s ? { size: s.size, contentType: null } : null;
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }
}
