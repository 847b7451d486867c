/**
 * The one place the props of every component the `genui` graph may push are declared. Both sides
 * check against it with plain `tsc` / `svelte-check`:
 * - the graph: `typedUi<UiDecl>(config).push({ name, props })` accepts only a declared `name` with
 *   exactly its props (see ../agent.ts);
 * - each renderer: its component map is a `ComponentMap` of its framework over `UiProps`, so a
 *   missing component or one taking other props fails to compile (see ../types.check.ts).
 */
import type { UIMessage } from "@langchain/langgraph-sdk/react-ui";

/** Props per component name. */
export interface UiProps {
  /** A task's progress; the graph re-pushes it (merge) as the work advances. */
  progress: { label: string; step: number; total: number; done: boolean };
  /** A forecast card for `city`, temperatures in °C. */
  forecast: { city: string; days: { day: string; high: number; low: number }[] };
  /** A question waiting on the user; `status` changes once the run resumes. */
  approval: { question: string; status: "pending" | "approved" | "rejected" };
}

export type UiName = keyof UiProps;

/**
 * What `typedUi<…>` takes: a map of names to React-like component types. Only the props matter to
 * its typing (`ComponentPropsWithoutRef`), so any framework's renderer can share it.
 */
export type UiDecl = { [K in UiName]: (props: UiProps[K]) => null };

/** A UI message of one declared component, its props narrowed by `name`. */
export type TypedUiMessage = { [K in UiName]: UIMessage<K, UiProps[K]> }[UiName];

/** Narrows a streamed UI message to a declared one (unknown names are skipped by renderers). */
export function isDeclared(message: UIMessage): message is TypedUiMessage {
  return message.name in UI_NAMES;
}

const UI_NAMES: Record<UiName, true> = { progress: true, forecast: true, approval: true };

/** The answer the approval component sends back as `Command({ resume })`. */
export interface ApprovalAnswer {
  approved: boolean;
}
