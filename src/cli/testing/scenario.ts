/**
 * Scenario files of `olg test` (YAML or JSON). A file names a graph (a graph id or an assistant id)
 * and lists cases; a case sends one input (or several `turns`), answers interrupts in order, and
 * asserts on the run's status, output values, tool calls, thread state and latency:
 *
 * ```yaml
 * graph: agent
 * cases:
 *   - name: uses the weather tool
 *     input: { messages: [{ role: user, content: "Weather in Paris?" }] }
 *     interrupts:                       # answers, in order, to each interrupt the run raises
 *       - expect: { "action": send }    # optional checks on the interrupt's value
 *         resume: { approved: true }
 *     expect:
 *       status: success                 # success | interrupted | error
 *       output: { "messages[-1].content": { contains: sunny } }
 *       tool_calls: [{ name: get_weather, args: { city: Paris } }]
 *       state: { "messages.length": { gte: 3 } }
 *       latency_ms: { lt: 5000 }
 * ```
 *
 * `requires_env: [PINECONE_API_KEY]` on the file skips its cases (reported as skipped, naming the
 * variables, never as passed) while one of those environment variables is unset or empty: a graph
 * that needs an external service is tested where its settings exist.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const pathMatchers = z.record(z.string(), z.unknown());
const toolCall = z.object({ name: z.string(), args: z.record(z.string(), z.unknown()).optional() });

/** Expected tool calls: a list (each must occur, in this order), or counts and inclusions. */
const toolCallsExpect = z.union([
  z.array(toolCall),
  z
    .object({
      count: z.unknown().optional(),
      includes: z.array(toolCall).optional(),
      excludes: z.array(z.string()).optional(),
    })
    .strict(),
]);

/** What a turn (or the whole case) asserts. */
export const expectSchema = z
  .object({
    status: z.enum(["success", "interrupted", "error"]).optional(),
    output: pathMatchers.optional(),
    state: pathMatchers.optional(),
    tool_calls: toolCallsExpect.optional(),
    latency_ms: z.unknown().optional(),
    error: z.unknown().optional(),
  })
  .strict();
export type Expect = z.infer<typeof expectSchema>;
export type ToolCallsExpect = z.infer<typeof toolCallsExpect>;

const interruptAnswer = z.object({ resume: z.unknown(), expect: pathMatchers.optional() }).strict();

const turnSchema = z
  .object({
    input: z.unknown().optional(),
    interrupts: z.array(interruptAnswer).optional(),
    expect: expectSchema.optional(),
  })
  .strict();
export type Turn = z.infer<typeof turnSchema>;

const caseSchema = z
  .object({
    name: z.string().min(1),
    graph: z.string().optional(),
    input: z.unknown().optional(),
    turns: z.array(turnSchema).min(1).optional(),
    interrupts: z.array(interruptAnswer).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    context: z.unknown().optional(),
    expect: expectSchema.optional(),
    timeout_ms: z.number().int().positive().optional(),
  })
  .strict()
  .refine((c) => c.turns == null || (c.input === undefined && c.interrupts == null), {
    message: "use either `turns` or `input`/`interrupts`, not both",
  });
export type Case = z.infer<typeof caseSchema>;

/** One scenario file. */
export const scenarioSchema = z
  .object({
    name: z.string().optional(),
    graph: z.string().optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    context: z.unknown().optional(),
    timeout_ms: z.number().int().positive().optional(),
    requires_env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).optional(),
    cases: z.array(caseSchema).min(1),
  })
  .strict();
export type Scenario = z.infer<typeof scenarioSchema> & { file: string };

/** The variables of `requires_env` that are unset or empty in `env`. */
export function missingEnv(scenario: Scenario, env: NodeJS.ProcessEnv = process.env): string[] {
  return (scenario.requires_env ?? []).filter((name) => !env[name]);
}

/** The turns of a case (a single-input case is one turn whose expect is the case's). */
export function turnsOf(c: Case): Turn[] {
  if (c.turns)
    return c.expect
      ? [
          ...c.turns.slice(0, -1),
          { ...c.turns.at(-1)!, expect: { ...c.turns.at(-1)!.expect, ...c.expect } },
        ]
      : c.turns;
  return [{ input: c.input, interrupts: c.interrupts, expect: c.expect }];
}

/** A scenario file that failed to parse, with the reasons. */
export class ScenarioError extends Error {
  override name = "ScenarioError";
}

/** Reads and validates one scenario file (`.yaml`, `.yml` or `.json`). */
export async function loadScenario(file: string): Promise<Scenario> {
  const text = await readFile(file, "utf-8");
  let raw: unknown;
  try {
    raw = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ScenarioError(
      `${file}: not valid ${path.extname(file).slice(1).toUpperCase()} (${(error as Error).message})`,
    );
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`,
    );
    throw new ScenarioError(`${file}: invalid scenario\n${lines.join("\n")}`);
  }
  for (const c of parsed.data.cases)
    if (!(c.graph ?? parsed.data.graph))
      throw new ScenarioError(
        `${file}: case "${c.name}" names no graph (set \`graph\` on the file or the case)`,
      );
  return { ...parsed.data, file };
}
