/**
 * `extract` of thread search (Python platform contract): aliases mapped to paths such as
 * `values.messages[-1].content` into a thread's values, metadata, config or interrupts.
 */
import { invalidInput } from "../core/errors.ts";

/** Roots a path may start from. */
const ROOTS = ["values", "metadata", "config", "interrupts"] as const;
const MAX_ALIASES = 10;

type Step = { key: string } | { index: number };

/** Parses `root.key[0].other[-1]` into steps; throws invalid_input on anything else. */
export function parseExtractPath(path: string): Step[] {
  const steps: Step[] = [];
  const re = /([^.[\]]+)|\[(-?\d+)\]|(\.)/g;
  let expectKey = true;
  let consumed = 0;
  for (const m of path.matchAll(re)) {
    if (m.index !== consumed) break;
    consumed += m[0].length;
    if (m[1] !== undefined) {
      if (!expectKey) break;
      steps.push({ key: m[1] });
      expectKey = false;
    } else if (m[2] !== undefined) {
      if (expectKey) break;
      steps.push({ index: Number(m[2]) });
    } else {
      if (expectKey) break;
      expectKey = true;
    }
  }
  const first = steps[0];
  if (consumed !== path.length || expectKey || !first || !("key" in first)) {
    throw invalidInput(`Invalid extract path: ${path}`);
  }
  if (!(ROOTS as readonly string[]).includes(first.key)) {
    throw invalidInput(`Extract path must start with one of ${ROOTS.join(", ")}: ${path}`);
  }
  return steps;
}

function walk(value: unknown, steps: Step[]): unknown {
  let current = value;
  for (const step of steps) {
    if (current == null) return null;
    if ("key" in step) {
      current =
        typeof current === "object" && !Array.isArray(current)
          ? (current as Record<string, unknown>)[step.key]
          : undefined;
    } else {
      if (!Array.isArray(current)) return null;
      current = current.at(step.index);
    }
  }
  return current ?? null;
}

/** A validated extractor: apply it to a thread's wire object to get `{alias: value}`. */
export function compileExtract(
  spec: Record<string, string>,
): (source: Record<string, unknown>) => Record<string, unknown> {
  const entries = Object.entries(spec);
  if (entries.length > MAX_ALIASES)
    throw invalidInput(`extract allows at most ${MAX_ALIASES} paths`);
  const compiled = entries.map(([alias, path]) => [alias, parseExtractPath(path)] as const);
  return (source) =>
    Object.fromEntries(compiled.map(([alias, steps]) => [alias, walk(source, steps)]));
}
