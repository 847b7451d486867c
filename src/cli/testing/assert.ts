/** Turns a turn's outcome and its `expect` block into failure messages. */
import { check, checkPaths, isSubset } from "./matchers.ts";
import type { Expect, ToolCallsExpect } from "./scenario.ts";

/** What one turn produced. */
export interface TurnOutcome {
  status: "success" | "interrupted" | "error";
  /** The run's last `values` event. */
  output?: unknown;
  /** The thread's state values after the turn. */
  state?: unknown;
  error?: unknown;
  toolCalls: { name: string; args: unknown }[];
  /** Values of the interrupts raised during the turn. */
  interrupts: unknown[];
  latencyMs: number;
}

/** Alias kept for reports. */
export type CaseOutcome = TurnOutcome;

function toolCallFailures(calls: TurnOutcome["toolCalls"], spec: ToolCallsExpect): string[] {
  const names = calls.map((c) => c.name).join(", ") || "none";
  const matchesCall = (
    call: TurnOutcome["toolCalls"][number],
    want: { name: string; args?: unknown },
  ) => call.name === want.name && (want.args == null || isSubset(call.args, want.args));
  if (Array.isArray(spec)) {
    // Each expected call must occur, in this order (other calls may come between).
    let from = 0;
    for (const want of spec) {
      const at = calls.findIndex((call, i) => i >= from && matchesCall(call, want));
      if (at < 0)
        return [
          `tool_calls: expected ${JSON.stringify(want)} (in order), got ${JSON.stringify(calls)}`,
        ];
      from = at + 1;
    }
    return [];
  }
  const out: string[] = [];
  if (spec.count !== undefined) {
    const problem = check(calls.length, spec.count);
    if (problem) out.push(`tool_calls count: ${problem} (calls: ${names})`);
  }
  for (const want of spec.includes ?? [])
    if (!calls.some((call) => matchesCall(call, want)))
      out.push(`tool_calls: expected a call ${JSON.stringify(want)}, got ${JSON.stringify(calls)}`);
  for (const name of spec.excludes ?? [])
    if (calls.some((call) => call.name === name)) out.push(`tool_calls: ${name} was called`);
  return out;
}

/** Checks of a turn (`expect`) and of an interrupt's value. */
export const checkTurn = {
  expect(outcome: TurnOutcome, spec: Expect | undefined, index: number, total: number): string[] {
    const prefix = total > 1 ? `turn ${index + 1}: ` : "";
    const failures: string[] = [];
    const wanted = spec?.status ?? (spec?.error !== undefined ? "error" : "success");
    if (outcome.status !== wanted) {
      const detail = outcome.error ? ` (${JSON.stringify(outcome.error)})` : "";
      failures.push(`status: expected ${wanted}, got ${outcome.status}${detail}`);
    }
    if (spec?.error !== undefined) {
      const problem = check(outcome.error, spec.error);
      if (problem) failures.push(`error: ${problem}`);
    }
    if (spec?.output) failures.push(...checkPaths(outcome.output, spec.output, "output"));
    if (spec?.state) failures.push(...checkPaths(outcome.state, spec.state, "state"));
    if (spec?.tool_calls) failures.push(...toolCallFailures(outcome.toolCalls, spec.tool_calls));
    if (spec?.latency_ms !== undefined) {
      const problem = check(outcome.latencyMs, spec.latency_ms);
      if (problem) failures.push(`latency_ms: ${problem}`);
    }
    return failures.map((f) => `${prefix}${f}`);
  },
  interrupt(value: unknown, spec: Record<string, unknown>, index: number): string[] {
    return checkPaths(value, spec, `turn ${index + 1} interrupt`);
  },
};
