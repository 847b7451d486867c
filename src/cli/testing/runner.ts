/**
 * Runs scenario cases against a server through the official SDK (`@langchain/langgraph-sdk`), the
 * same way an app talks to it: one thread per case, a streamed run per turn, interrupts answered
 * with `Command({ resume })`, then the assertions of `./assert.ts`.
 */
import { Client } from "@langchain/langgraph-sdk";
import { type CaseOutcome, checkTurn, type TurnOutcome } from "./assert.ts";
import { type Case, type Scenario, turnsOf } from "./scenario.ts";

/** Where the runs go. */
export interface Target {
  url: string;
  headers: Record<string, string>;
}

/** The result of one case. */
export interface CaseResult {
  file: string;
  scenario: string;
  name: string;
  passed: boolean;
  /** Why the case did not run (`requires_env` unmet); a skipped case is neither passed nor failed. */
  skipped?: string;
  failures: string[];
  durationMs: number;
  turns: TurnOutcome[];
}

type Msg = {
  type?: string;
  role?: string;
  tool_calls?: { id?: string; name: string; args: unknown }[];
};

/** Tool calls found in a stream chunk's messages (any depth of node updates). */
function toolCallsIn(data: unknown, into: Map<string, { name: string; args: unknown }>): void {
  const visit = (value: unknown, depth: number) => {
    if (depth > 4 || value == null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (const v of value) visit(v, depth + 1);
      return;
    }
    const msg = value as Msg;
    if (
      Array.isArray(msg.tool_calls) &&
      (msg.type === "ai" || msg.role === "assistant" || msg.type === "AIMessageChunk")
    ) {
      for (const call of msg.tool_calls) {
        const key = call.id ?? `${call.name}:${JSON.stringify(call.args)}`;
        if (!into.has(key)) into.set(key, { name: call.name, args: call.args });
      }
      return;
    }
    for (const v of Object.values(value)) visit(v, depth + 1);
  };
  visit(data, 0);
}

/** One streamed run: final values, error, tool calls. */
async function streamRun(
  client: Client,
  threadId: string,
  graph: string,
  payload: { input?: unknown; command?: { resume: unknown } },
  c: Case,
  scenario: Scenario,
  signal: AbortSignal,
) {
  let values: unknown;
  let error: unknown;
  const calls = new Map<string, { name: string; args: unknown }>();
  const stream = client.runs.stream(threadId, graph, {
    ...(payload.command
      ? { command: payload.command }
      : { input: (payload.input ?? null) as never }),
    streamMode: ["values", "updates"],
    config: (c.config ?? scenario.config) as never,
    context: (c.context ?? scenario.context) as never,
    signal,
  });
  for await (const chunk of stream) {
    if (chunk.event === "values") values = chunk.data;
    else if (chunk.event === "updates") toolCallsIn(chunk.data, calls);
    else if (chunk.event === "error") error = chunk.data;
  }
  toolCallsIn(values, calls);
  return { values, error, toolCalls: [...calls.values()] };
}

/** Runs one case; failures (assertions, errors, timeouts) are collected, never thrown. */
export async function runCase(target: Target, scenario: Scenario, c: Case): Promise<CaseResult> {
  const client = new Client({ apiUrl: target.url, defaultHeaders: target.headers });
  const graph = (c.graph ?? scenario.graph)!;
  const started = performance.now();
  const failures: string[] = [];
  const turns: TurnOutcome[] = [];
  const abort = new AbortController();
  const timeoutMs = c.timeout_ms ?? scenario.timeout_ms ?? 60_000;
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const thread = await client.threads.create();
    for (const [index, turn] of turnsOf(c).entries()) {
      const turnStart = performance.now();
      const answers = [...(turn.interrupts ?? [])];
      const outcome: TurnOutcome = {
        status: "success",
        toolCalls: [],
        interrupts: [],
        latencyMs: 0,
      };
      let payload: { input?: unknown; command?: { resume: unknown } } = { input: turn.input };
      for (;;) {
        const run = await streamRun(
          client,
          thread.thread_id,
          graph,
          payload,
          c,
          scenario,
          abort.signal,
        );
        outcome.output = run.values ?? outcome.output;
        outcome.toolCalls.push(...run.toolCalls);
        if (run.error) {
          outcome.status = "error";
          outcome.error = run.error;
          break;
        }
        const state = await client.threads.getState(thread.thread_id);
        outcome.state = state.values;
        const pending = (state.tasks ?? []).flatMap((t) => t.interrupts ?? []);
        if (pending.length === 0) break;
        outcome.interrupts.push(...pending.map((i) => i.value));
        const answer = answers.shift();
        if (!answer) {
          outcome.status = "interrupted";
          break;
        }
        if (answer.expect)
          failures.push(...checkTurn.interrupt(pending[0]?.value, answer.expect, index));
        payload = { command: { resume: answer.resume } };
      }
      outcome.latencyMs = Math.round(performance.now() - turnStart);
      if (answers.length > 0)
        failures.push(
          `turn ${index + 1}: ${answers.length} interrupt answer(s) unused (the run raised fewer interrupts)`,
        );
      failures.push(...checkTurn.expect(outcome, turn.expect, index, turnsOf(c).length));
      turns.push(outcome);
    }
  } catch (error) {
    failures.push(
      abort.signal.aborted
        ? `timed out after ${timeoutMs} ms`
        : `error: ${(error as Error).message ?? String(error)}`,
    );
  } finally {
    clearTimeout(timer);
  }
  return {
    file: scenario.file,
    scenario: scenario.name ?? scenario.file,
    name: c.name,
    passed: failures.length === 0,
    failures,
    durationMs: Math.round(performance.now() - started),
    turns,
  };
}

export type { CaseOutcome };
