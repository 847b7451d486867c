/**
 * A real S3 protocol server for tests: `s3rver` on a random localhost port, its objects in a
 * temporary folder, one bucket. Stopped (and the folder removed) by `stop()`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";

/** A running s3rver. */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Object events seen (`ObjectCreated:Put`, `ObjectCreated:Post` = multipart completed, …). */
  events: { name: string; key: string }[];
  stop(): Promise<void>;
}

/** Starts s3rver with `bucket` (credentials: s3rver's fixed `S3RVER` pair). */
export async function startS3(bucket = "olg-artifacts"): Promise<TestS3> {
  const directory = await mkdtemp(path.join(tmpdir(), "olg-s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const events: { name: string; key: string }[] = [];
  server.on("event", (e) => {
    for (const r of e.Records) events.push({ name: r.eventName, key: r.s3.object.key });
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    events,
    async stop() {
      await server.close().catch(() => {});
      await rm(directory, { recursive: true, force: true });
    },
  };
}
