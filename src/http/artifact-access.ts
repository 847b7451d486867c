/**
 * Who may touch which artifact. Every by-id route loads the artifact, shows it to the caller's
 * `artifacts:<action>` handler (value: `{artifact_id, thread_id, namespace, name, content_type,
 * metadata}`), matches the returned filter against the artifact's `metadata`, and for an artifact
 * filed under a thread also requires the thread to be readable (`threads:read`). Anything that
 * fails, a denial included (it may depend on what the caller cannot see), answers 404. Creation
 * shows the handler what is about to be stored; its denial stands (403) and it may stamp metadata.
 */
import type { Context } from "hono";
import type { StoredArtifact } from "../artifacts/sql-repository.ts";
import type { AuthAction } from "../auth/authorize.ts";
import { AuthRejection } from "../auth/errors.ts";
import { matchesScope } from "../auth/scope.ts";
import { DomainError, forbidden, notFound } from "../core/errors.ts";
import type { RouteAuth, ThreadVisible } from "./authz.ts";

/** What a creation shows the handler (snake_case, as every event value). */
export interface ArtifactCreateValue {
  thread_id: string | null;
  namespace: string[] | null;
  name: string;
  content_type: string;
  metadata: Record<string, unknown>;
}

/** The 404 of every artifact the caller may not see. */
export const artifactNotFound = () => notFound("Artifact not found");

const hiding = (error: unknown) =>
  error instanceof AuthRejection ||
  (error instanceof DomainError && (error.code === "forbidden" || error.code === "not_found"));

/** The access checks bound to an authorizer and a thread-visibility check. */
export function artifactAccess(auth: RouteAuth, threadVisible?: ThreadVisible) {
  const authz = auth;

  /** Whether the caller may read `threadId` (fail closed without a visibility check). */
  async function threadReadable(c: Context, threadId: string): Promise<boolean> {
    try {
      const { scope } = await authz(c, "threads", "read", { thread_id: threadId });
      if (scope == null) return true;
      return threadVisible ? await threadVisible(threadId, scope) : false;
    } catch (error) {
      if (hiding(error)) return false;
      throw error;
    }
  }

  /** Whether `action` on `artifact` is allowed for the caller (false = behave as missing). */
  async function allowed(c: Context, action: AuthAction, artifact: StoredArtifact) {
    try {
      const { scope } = await authz(c, "artifacts", action, {
        artifact_id: artifact.artifactId,
        thread_id: artifact.threadId,
        namespace: artifact.namespace,
        name: artifact.name,
        content_type: artifact.contentType,
        metadata: artifact.metadata,
      });
      if (!matchesScope(artifact.metadata, scope)) return false;
    } catch (error) {
      if (hiding(error)) return false;
      throw error;
    }
    return artifact.threadId == null || threadReadable(c, artifact.threadId);
  }

  return {
    threadReadable,
    allowed,
    /** Throws 404 unless the thread exists for the caller. */
    async requireThread(c: Context, threadId: string): Promise<void> {
      if (!(await threadReadable(c, threadId)))
        throw notFound(`Thread with ID ${threadId} not found`);
    },
    /** Throws 404 unless the caller may `action` the artifact. */
    async require(c: Context, action: AuthAction, artifact: StoredArtifact | null) {
      if (!artifact || !(await allowed(c, action, artifact))) throw artifactNotFound();
      return artifact;
    },
    /**
     * Authorizes a creation: the thread must be readable (404), the handler may deny (its error
     * stands) or stamp metadata; the stored metadata must match the returned filter (403).
     */
    async create(c: Context, value: ArtifactCreateValue): Promise<ArtifactCreateValue> {
      if (value.thread_id && !(await threadReadable(c, value.thread_id)))
        throw notFound(`Thread with ID ${value.thread_id} not found`);
      const decision = await authz(c, "artifacts", "create", value);
      const out = decision.value;
      if (!matchesScope(out.metadata ?? {}, decision.scope)) throw forbidden("Not authorized");
      return out;
    },
    authz,
  };
}

/** The access checks of the artifact routes. */
export type ArtifactAccess = ReturnType<typeof artifactAccess>;
