/**
 * Artifacts on the wire (snake_case, ISO dates), and the reference a graph returns for clients to
 * render (`docs/artifacts.md`): `{type: "artifact", artifact_id, name, content_type, size_bytes,
 * url, …}` where `url` is the server-relative download path.
 */
import type { Artifact } from "../../artifacts/types.ts";

/** The wire form of an artifact. */
export function artifactToWire(a: Artifact): Record<string, unknown> {
  return {
    artifact_id: a.artifactId,
    thread_id: a.threadId,
    namespace: a.namespace,
    run_id: a.runId,
    name: a.name,
    content_type: a.contentType,
    size_bytes: a.sizeBytes,
    sha256: a.sha256,
    metadata: a.metadata,
    status: a.status,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
    expires_at: a.expiresAt?.toISOString() ?? null,
    url: `/artifacts/${a.artifactId}/content`,
  };
}
