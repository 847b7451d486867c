/**
 * Presigned transfers of the artifacts service: a URL signed by the backend itself when it can
 * (S3: `presign`), else a token the server signed for `/artifacts/signed/:token` (filesystem),
 * valid `expiresIn` seconds; and the check of an upload sent straight to the backend before it is
 * completed: the object must exist (else `unprocessable`), be within `maxBytes` (else removed, 413) and be
 * stored as, and start like, its declared type (else removed, 415).
 */
import type { Clock } from "../core/clock.ts";
import { unprocessable } from "../core/errors.ts";
import { essence, SNIFF_BYTES, sniffMatches, unsupportedType } from "./content-type.ts";
import { tooLarge } from "./guard.ts";
import type { TransferSigner } from "./signing.ts";
import type { StoredArtifact } from "./sql-repository.ts";
import type { BlobStore, PresignedRequest } from "./types.ts";

/** What a transfer is made with. */
export interface TransferDeps {
  blobs: BlobStore;
  signer: TransferSigner;
  clock: Clock;
}

/** A presigned transfer: the backend's own request, or a token for `/artifacts/signed/:token`. */
export type Transfer =
  | { kind: "backend"; request: PresignedRequest }
  | {
      kind: "signed";
      token: string;
      method: "GET" | "PUT";
      expiresAt: Date;
      headers: Record<string, string>;
    };

export async function presignTransfer(
  o: TransferDeps,
  artifact: StoredArtifact,
  method: "GET" | "PUT",
  expiresIn: number,
  headers: Record<string, string>,
): Promise<Transfer> {
  const { blobs, signer, clock } = o;
  if (blobs.presign) {
    const request = await blobs.presign(method, artifact.storageKey, {
      expiresInSeconds: expiresIn,
      contentType: method === "PUT" ? artifact.contentType : undefined,
      downloadName: method === "GET" ? artifact.name : undefined,
    });
    return { kind: "backend", request };
  }
  const exp = Math.floor(clock.now().getTime() / 1000) + expiresIn;
  const token = signer.sign({
    artifactId: artifact.artifactId,
    op: method === "PUT" ? "upload" : "download",
    exp,
  });
  return { kind: "signed", token, method, expiresAt: new Date(exp * 1000), headers };
}

/** Checks an object uploaded straight to the backend; returns its size in bytes. */
export async function checkBackendUpload(
  blobs: BlobStore,
  artifact: StoredArtifact,
  maxBytes: number,
): Promise<number> {
  const head = await blobs.head(artifact.storageKey);
  if (!head) throw unprocessable("Artifact upload not received yet");
  const fail = async (error: Error) => {
    await blobs.delete(artifact.storageKey);
    throw error;
  };
  if (head.size > maxBytes) await fail(tooLarge(maxBytes));
  if (head.contentType != null && essence(head.contentType) !== essence(artifact.contentType))
    await fail(unsupportedType(head.contentType));
  const first = await blobs.get(artifact.storageKey, {
    start: 0,
    end: Math.max(0, Math.min(head.size, SNIFF_BYTES) - 1),
  });
  const chunks: Buffer[] = [];
  if (head.size > 0) for await (const chunk of first.body) chunks.push(Buffer.from(chunk));
  else first.body.resume();
  if (!sniffMatches(artifact.contentType, Buffer.concat(chunks).subarray(0, SNIFF_BYTES)))
    await fail(
      unsupportedType(`${artifact.contentType} (the content does not match the declared type)`),
    );
  return head.size;
}
