/**
 * Terminal output for every `olg` command: colours only on a terminal and never with `NO_COLOR`
 * (https://no-color.org; `FORCE_COLOR` overrides the terminal check), spinners only on a terminal,
 * and data through `--json` as one JSON document on stdout so scripts never parse prose.
 */
import { spinner as clackSpinner } from "@clack/prompts";
import Table from "cli-table3";
import pc from "picocolors";

type Env = Record<string, string | undefined>;

/** Whether to colour output written to `stream` under `env`. */
export function colorEnabled(stream: { isTTY?: boolean }, env: Env = process.env): boolean {
  if (env.NO_COLOR != null && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR != null && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** Colour functions for stdout (a no-op set when colours are off). */
export const color = pc.createColors(colorEnabled(process.stdout));
/** Colour functions for stderr. */
export const colorErr = pc.createColors(colorEnabled(process.stderr));

/** Whether prompts and live spinners can be shown (stdin and stdout both a terminal). */
export function interactive(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true && process.env.CI !== "true";
}

/** Prints a value as pretty JSON on stdout (the `--json` contract: one document, nothing else). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints a table (plain aligned text when colours are off, so it stays grep-able). */
export function printTable(head: string[], rows: (string | number)[][]): void {
  const plain = !colorEnabled(process.stdout);
  const table = new Table({
    head: head.map((h) => (plain ? h : color.bold(h))),
    style: { head: [], border: plain ? [] : ["gray"] },
    ...(plain
      ? {
          chars: {
            top: "",
            "top-mid": "",
            "top-left": "",
            "top-right": "",
            bottom: "",
            "bottom-mid": "",
            "bottom-left": "",
            "bottom-right": "",
            left: "",
            "left-mid": "",
            mid: "",
            "mid-mid": "",
            right: "",
            "right-mid": "",
            middle: "  ",
          },
        }
      : {}),
  });
  for (const row of rows) table.push(row.map(String));
  const text = table.toString();
  process.stdout.write(`${plain ? text.replace(/^ /gm, "").replace(/[ \t]+$/gm, "") : text}\n`);
}

/** Status lines on stderr, so stdout stays the command's data. */
export const say = {
  info: (msg: string) => process.stderr.write(`${colorErr.cyan("●")} ${msg}\n`),
  ok: (msg: string) => process.stderr.write(`${colorErr.green("✔")} ${msg}\n`),
  warn: (msg: string) => process.stderr.write(`${colorErr.yellow("▲")} ${msg}\n`),
  error: (msg: string) => process.stderr.write(`${colorErr.red("✖")} ${msg}\n`),
  step: (msg: string) => process.stderr.write(`${colorErr.dim("│")} ${msg}\n`),
};

/** Runs a slow step with a spinner on a terminal, or a start/done line elsewhere (quiet: nothing). */
export async function withSpinner<T>(
  label: string,
  work: () => Promise<T>,
  options: { quiet?: boolean; done?: (value: T) => string } = {},
): Promise<T> {
  if (options.quiet) return work();
  const started = Date.now();
  const elapsed = () => colorErr.dim(`(${((Date.now() - started) / 1000).toFixed(1)}s)`);
  if (!(process.stderr.isTTY && colorEnabled(process.stderr))) {
    say.step(`${label}…`);
    try {
      const value = await work();
      say.ok(`${options.done?.(value) ?? label} ${elapsed()}`);
      return value;
    } catch (error) {
      say.error(`${label} failed ${elapsed()}`);
      throw error;
    }
  }
  const spin = clackSpinner({ output: process.stderr, withGuide: false });
  spin.start(label);
  try {
    const value = await work();
    spin.stop(`${options.done?.(value) ?? label} ${elapsed()}`);
    return value;
  } catch (error) {
    spin.error(`${label} failed ${elapsed()}`);
    throw error;
  }
}
