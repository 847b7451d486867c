/**
 * Namespaces are stored as one text column, labels joined by "." (labels may not contain a period,
 * so the encoding is reversible and a label-wise prefix is a string prefix ending at a ".").
 */
import { InvalidNamespaceError } from "@langchain/langgraph-checkpoint";
import { invalidInput, unprocessable } from "../core/errors.ts";

const SEP = ".";

/** The stored form of a namespace. */
export const encodeNamespace = (namespace: string[]): string => namespace.join(SEP);

/** The namespace of a stored prefix. */
export const decodeNamespace = (prefix: string): string[] =>
  prefix === "" ? [] : prefix.split(SEP);

/** Rejects namespaces `BaseStore.put` rejects: empty, empty or dotted labels, root "langgraph". */
export function assertWritableNamespace(namespace: string[]): void {
  if (namespace.length === 0) throw new InvalidNamespaceError("Namespace cannot be empty.");
  for (const label of namespace) {
    if (typeof label !== "string")
      throw new InvalidNamespaceError(
        `Invalid namespace label '${label}' found in ${namespace}. Namespace labels must be strings, but got ${typeof label}.`,
      );
    if (label.includes(SEP))
      throw new InvalidNamespaceError(
        `Invalid namespace label '${label}' found in ${namespace}. Namespace labels cannot contain periods ('.').`,
      );
    if (label === "")
      throw new InvalidNamespaceError(
        `Namespace labels cannot be empty strings. Got ${label} in ${namespace}`,
      );
  }
  if (namespace[0] === "langgraph")
    throw new InvalidNamespaceError(
      `Root label for namespace cannot be "langgraph". Got: ${namespace}`,
    );
}

/** Escapes LIKE wildcards so a prefix matches literally (default escape character `\`). */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Request-level check, as the official server: empty → 400, empty or dotted label → 422. */
export function validateRequestNamespace(namespace: string[]): void {
  if (namespace.length === 0) throw invalidInput("Namespace is required");
  for (const label of namespace) {
    if (!label || label.includes(SEP))
      throw unprocessable(
        `Namespace labels cannot be empty or contain periods. Received: ${namespace.join(SEP)}`,
      );
  }
}
