/** Reports of `olg test`: a summary on the terminal, JSON (`--json`, `--report`) and JUnit XML (`--junit`). */
import { color } from "../ui/term.ts";
import type { CaseResult } from "./runner.ts";

/** The JSON report. */
export interface TestReport {
  passed: number;
  failed: number;
  /** Cases not run because their scenario's `requires_env` is unmet. */
  skipped: number;
  total: number;
  durationMs: number;
  cases: CaseResult[];
}

/** Builds the report of a run. */
export function buildReport(cases: CaseResult[], durationMs: number): TestReport {
  const passed = cases.filter((c) => c.passed).length;
  const skipped = cases.filter((c) => c.skipped).length;
  return {
    passed,
    failed: cases.length - passed - skipped,
    skipped,
    total: cases.length,
    durationMs,
    cases,
  };
}

/** One line per case as it finishes. */
export function caseLine(result: CaseResult): string {
  if (result.skipped)
    return `${color.yellow("○")} ${result.scenario} › ${result.name} ${color.dim(`skipped: ${result.skipped}`)}`;
  const mark = result.passed ? color.green("✔") : color.red("✖");
  const time = color.dim(`${result.durationMs} ms`);
  const lines = [`${mark} ${result.scenario} › ${result.name} ${time}`];
  for (const failure of result.failures) lines.push(`    ${color.red("→")} ${failure}`);
  return lines.join("\n");
}

/** The closing summary (`N passed, N failed`, the plain line CI tools read). */
export function summaryLine(report: TestReport): string {
  const text = `${report.passed} passed, ${report.failed} failed${report.skipped ? `, ${report.skipped} skipped` : ""}`;
  return report.failed ? color.red(text) : color.green(text);
}

/** Drops the control characters XML 1.0 forbids even escaped (all below 0x20 but tab, LF, CR). */
const stripControl = (s: string) =>
  [...s]
    .filter((ch) => ch.charCodeAt(0) >= 0x20 || ch === "\t" || ch === "\n" || ch === "\r")
    .join("");

const xml = (s: string) =>
  stripControl(s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");

/** The JUnit XML document (one `testsuite` per scenario file), as Jenkins, GitLab and GitHub read it. */
export function junitXml(report: TestReport): string {
  const suites = new Map<string, CaseResult[]>();
  for (const c of report.cases) suites.set(c.file, [...(suites.get(c.file) ?? []), c]);
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="olg test" tests="${report.total}" failures="${report.failed}" errors="0" skipped="${report.skipped}" time="${(report.durationMs / 1000).toFixed(3)}">`,
  ];
  for (const [file, cases] of suites) {
    const failed = cases.filter((c) => !c.passed && !c.skipped).length;
    const skipped = cases.filter((c) => c.skipped).length;
    const time = cases.reduce((t, c) => t + c.durationMs, 0) / 1000;
    out.push(
      `  <testsuite name="${xml(cases[0]!.scenario)}" file="${xml(file)}" tests="${cases.length}" failures="${failed}" errors="0" skipped="${skipped}" time="${time.toFixed(3)}">`,
    );
    for (const c of cases) {
      const open = `    <testcase classname="${xml(c.scenario)}" name="${xml(c.name)}" file="${xml(file)}" time="${(c.durationMs / 1000).toFixed(3)}"`;
      if (c.passed) out.push(`${open}/>`);
      else if (c.skipped)
        out.push(`${open}>`, `      <skipped message="${xml(c.skipped)}"/>`, "    </testcase>");
      else {
        out.push(`${open}>`);
        out.push(
          `      <failure message="${xml(c.failures[0] ?? "failed")}" type="AssertionError">${xml(c.failures.join("\n"))}</failure>`,
        );
        out.push("    </testcase>");
      }
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}
