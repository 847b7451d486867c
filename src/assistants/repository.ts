/** The storage port of the assistants feature. Every method honours an optional metadata scope. */

import type { Scope } from "../auth/scope.ts";
import type {
  Assistant,
  AssistantFilter,
  AssistantPage,
  AssistantPatch,
  AssistantSearch,
  AssistantVersion,
  NewAssistant,
  VersionQuery,
} from "./types.ts";

/** Outcome of an insert: the stored row, and whether this call created it (`null`: an existing row is out of scope). */
export interface InsertResult {
  assistant: Assistant;
  created: boolean;
}

/** Outcome of `setLatest`. */
export type SetLatestResult = Assistant | "assistant_missing" | "version_missing";

/** Persistence of assistants and their versions. Missing or out-of-scope rows read as `null`. */
export interface AssistantsRepository {
  /** Inserts version 1; an existing id yields `{created: false}` (or `null` when out of scope). */
  insert(assistant: NewAssistant, now: Date, scope?: Scope): Promise<InsertResult | null>;
  /** The current version of an assistant. */
  get(assistantId: string, scope?: Scope): Promise<Assistant | null>;
  /** Applies a patch as a new version. */
  update(
    assistantId: string,
    patch: AssistantPatch,
    now: Date,
    scope?: Scope,
  ): Promise<Assistant | null>;
  /** Deletes the assistant, its versions and runs; optionally the threads it created. */
  delete(assistantId: string, options: { deleteThreads: boolean }, scope?: Scope): Promise<boolean>;
  /** A filtered, sorted page plus the overall count. */
  search(query: AssistantSearch, scope?: Scope): Promise<AssistantPage>;
  /** How many assistants match. */
  count(filter: AssistantFilter, scope?: Scope): Promise<number>;
  /** Versions, newest first; empty when the assistant is missing or out of scope. */
  versions(assistantId: string, query: VersionQuery, scope?: Scope): Promise<AssistantVersion[]>;
  /** Makes a stored version the current one. */
  setLatest(
    assistantId: string,
    version: number,
    now: Date,
    scope?: Scope,
  ): Promise<SetLatestResult>;
  /**
   * Creates a system assistant, or brings an existing one in line with `desired` (config,
   * context, description, name) by writing a new version when they differ. Returns the row.
   */
  syncSystem(desired: NewAssistant, now: Date): Promise<Assistant>;
}
