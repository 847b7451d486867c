/**
 * `olg test`: runs scenario files (YAML or JSON, see `testing/scenario.ts`) against the project's
 * graphs, in process (our server on an in-memory database) or against a running server (`--url`).
 * Models: `fake` (the default: `OLG_MODEL=fake`, which the generated projects' model factory
 * honours), `recorded` (HTTP calls replayed from `__recordings__/`; `--record` records them) or
 * `live`. Reports: a terminal summary, `--json`, `--report FILE` (JSON), `--junit FILE`.
 * Exit 0 when every case passed, 1 when one failed, 2 for bad scenario files or flags.
 */
import { spawn } from "node:child_process";
import { watch } from "node:fs";
import type { Command } from "commander";
import { type ServerFlags, serverFlags } from "./client/server.ts";
import { CliError } from "./errors.ts";
import { examples } from "./help.ts";
import type { TestOptions } from "./testing/run.ts";
import { say } from "./ui/term.ts";

const MODELS = ["fake", "recorded", "live"];

/** Re-runs `olg test` (without --watch) in a child process on every change under `cwd`. */
async function watchLoop(argv: string[], cwd: string): Promise<void> {
  const args = argv.filter((a) => a !== "--watch" && a !== "-w");
  let child: ReturnType<typeof spawn> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const run = () => {
    child?.kill("SIGTERM");
    say.info(`running ${["olg", ...args.slice(1)].join(" ")}`);
    child = spawn(process.execPath, args, { stdio: "inherit", env: process.env });
    child.on("exit", (code) => {
      if (code != null)
        say.info(`${code === 0 ? "passed" : "failed"}; watching for changes (Ctrl-C to stop)`);
    });
  };
  watch(cwd, { recursive: true }, (_event, file) => {
    if (!file || /(^|[/\\])(node_modules|\.olg|\.git|__recordings__)([/\\]|$)/.test(file)) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, 300);
  });
  run();
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => {
      child?.kill("SIGTERM");
      resolve();
    });
  });
}

/** Adds `test` to the program. */
export function registerTest(program: Command): void {
  const cmd = serverFlags(program.command("test"))
    .description("Run agent scenarios (YAML/JSON) in process or against a running server")
    .argument("[paths...]", "scenario files or folders (default: tests/, test/, scenarios/)")
    .option(
      "-c, --config <file>",
      "project config, for in-process runs (default: open_langgraph.json)",
    )
    .option("--remote", "run against the server at --url / $OLG_URL instead of in process")
    .option("-m, --model <mode>", `model mode for in-process runs: ${MODELS.join("|")}`, "fake")
    .option("--record", "call the real provider and record its answers (implies --model recorded)")
    .option("-t, --filter <text>", "only cases whose name contains this text")
    .option("--junit <file>", "write a JUnit XML report")
    .option("--report <file>", "write a JSON report")
    .option("--json", "print the JSON report on stdout")
    .option("--bail", "stop at the first failing case")
    .option("-w, --watch", "re-run when a file changes")
    .option("--log-level <level>", "server log level for in-process runs", "error")
    .action(async (paths: string[], opts: TestOptions & ServerFlags & { watch?: boolean }) => {
      if (!MODELS.includes(opts.model))
        throw new CliError(`--model must be one of ${MODELS.join(", ")}`, "usage");
      if (opts.watch) return watchLoop(process.argv.slice(1), process.cwd());
      const { runTests } = await import("./testing/run.ts");
      const report = await runTests(paths, { ...opts, remote: opts.remote || opts.url != null });
      if (report.failed > 0) process.exitCode = 1;
    });
  examples(cmd, [
    ["olg test", "every *.scenario.yaml under tests/, on a fake model, in process"],
    ["olg test tests/chat.scenario.yaml -t greeting", "one file, cases matching a name"],
    ["olg test --junit reports/olg.xml", "a JUnit report for CI"],
    ["OPENAI_API_KEY=… olg test --record", "record real model answers; later runs replay them"],
    ["olg test --url http://localhost:2024", "against a running server"],
    ["olg test --watch", "re-run on every change"],
  ]);
}
