/**
 * Object keys and retention targets. A key is built only from ids the server made and namespace
 * labels that passed validation (non-empty, no dots), each label percent-encoded, so no client
 * input can steer a key out of its folder. The layout is what S3 lifecycle rules match on:
 * `threads/<thread_id>/<artifact_id>`, `namespaces/<label>/…/<artifact_id>`, `objects/<artifact_id>`.
 */
import { invalidInput, unprocessable } from "../core/errors.ts";
import type { ArtifactPlace } from "./types.ts";

/** Most labels a namespace may have, and most characters per label. */
export const NAMESPACE_LIMITS = { labels: 16, labelLength: 256 } as const;

/**
 * Checks namespace labels: 1-16 labels, each 1-256 characters, no `.` (the joining character),
 * no control characters. Throws `invalid_input` (400) naming the rule.
 */
export function checkNamespace(namespace: string[]): void {
  if (namespace.length === 0 || namespace.length > NAMESPACE_LIMITS.labels)
    throw invalidInput(`namespace must have 1 to ${NAMESPACE_LIMITS.labels} labels`);
  for (const label of namespace) {
    if (label.length === 0 || label.length > NAMESPACE_LIMITS.labelLength)
      throw invalidInput(
        `namespace labels must be 1 to ${NAMESPACE_LIMITS.labelLength} characters`,
      );
    if (label.includes(".") || hasControlChars(label))
      throw invalidInput("namespace labels may not contain '.' or control characters");
  }
}

/** Whether `text` holds a C0 control character or DEL. */
export function hasControlChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Namespace labels as stored (`a.b`). */
export const joinNamespace = (namespace: string[]) => namespace.join(".");

/** Stored namespace text back to labels. */
export const splitNamespace = (text: string | null) => (text == null ? null : text.split("."));

const encode = (label: string) => encodeURIComponent(label);

/** The folder (ending in `/`) of a namespace's objects. */
export const namespaceFolder = (namespace: string[]) =>
  `namespaces/${namespace.map(encode).join("/")}/`;

/** The folder of a thread's objects. */
export const threadFolder = (threadId: string) => `threads/${threadId}/`;

/** The folder of objects filed under neither. */
export const LOOSE_FOLDER = "objects/";

/** The object key of an artifact; the thread wins when both are given. */
export function objectKey(artifactId: string, place: ArtifactPlace): string {
  if (place.threadId) return `${threadFolder(place.threadId)}${artifactId}`;
  if (place.namespace?.length) return `${namespaceFolder(place.namespace)}${artifactId}`;
  return `${LOOSE_FOLDER}${artifactId}`;
}

/**
 * Whether `key` is one the server could have built: segments non-empty, no `.`/`..`, no
 * backslash or NUL. Backends refuse anything else before touching storage.
 */
export function isSafeKey(key: string): boolean {
  if (key.length === 0 || key.length > 4096 || key.startsWith("/")) return false;
  if (key.includes("\\") || key.includes("\0")) return false;
  return key.split("/").every((seg) => seg.length > 0 && seg !== "." && seg !== "..");
}

/** The retention target of a thread or a namespace. */
export type RetentionTarget = { threadId: string } | { namespace: string[] };

/** The stored form of a retention target (`thread:<id>`, `namespace:<a.b>`). */
export function targetKey(target: RetentionTarget): string {
  return "threadId" in target
    ? `thread:${target.threadId}`
    : `namespace:${joinNamespace(target.namespace)}`;
}

/** A stored target back to its parts. */
export function parseTarget(key: string): RetentionTarget {
  if (key.startsWith("thread:")) return { threadId: key.slice(7) };
  return { namespace: key.slice(10).split(".") };
}

/** A display name: 1-255 characters, no path separators or control characters (400 otherwise). */
export function checkName(name: string): string {
  const trimmed = name.trim();
  if (
    !trimmed ||
    trimmed.length > 255 ||
    /[/\\]/.test(trimmed) ||
    hasControlChars(trimmed) ||
    trimmed === "." ||
    trimmed === ".."
  )
    throw unprocessable(
      "Artifact name must be 1-255 characters without '/', '\\' or control characters",
    );
  return trimmed;
}
