/** Identifier helpers: run/thread/assistant ids are uuid7 (time-ordered) as in the official server. */
import { v5 as uuid5, v7 as uuid7, validate } from "uuid";

/** Namespace the official server uses to derive system assistant ids from graph ids. */
export const SYSTEM_ASSISTANT_NAMESPACE = "6ba7b821-9dad-11d1-80b4-00c04fd430c8";

/** A new time-ordered id. */
export const newId = (): string => uuid7();

/** The deterministic id of the system assistant of `graphId`. */
export const systemAssistantId = (graphId: string): string =>
  uuid5(graphId, SYSTEM_ASSISTANT_NAMESPACE);

/** Whether `value` is a syntactically valid uuid. */
export const isUuid = (value: string): boolean => validate(value);

/** Whether `value` has the shape of a uuid (any version, as a `uuid` column accepts it). */
export const isGuid = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
