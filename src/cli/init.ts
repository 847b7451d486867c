/**
 * `olg init [dir]`: scaffolds an agent project from a template (chat, react, memory, retrieval,
 * hitl), in TypeScript or JavaScript, for npm/pnpm/yarn/bun, on the embedded database or
 * PostgreSQL, optionally with Docker and Helm files; then installs it. Asks on a terminal for what
 * the flags leave open; `--yes` (or no terminal) takes the defaults. The work is in ./scaffold/.
 */
import type { Command } from "commander";
import { usageError } from "./errors.ts";
import { examples } from "./help.ts";
import { AGENT_TEMPLATES, TEMPLATES } from "./scaffold/catalog.ts";
import { DATABASES, PACKAGE_MANAGERS } from "./scaffold/project.ts";

/** Flags of `olg init`. */
export interface InitFlags {
  template?: string;
  lang?: string;
  typescript?: boolean;
  javascript?: boolean;
  pm?: string;
  db?: string;
  docker?: boolean;
  helm?: boolean;
  install?: boolean;
  yes?: boolean;
  force?: boolean;
  json?: boolean;
  olgVersion?: string;
}

/** Adds `init` to the program. */
export function registerInit(program: Command): void {
  const cmd = program
    .command("init")
    .description("Create an agent project from a template")
    .argument("[dir]", "folder to create (default: asks, or my-agent)")
    .option("-t, --template <name>", `graph template: ${AGENT_TEMPLATES.join("|")}`)
    .option("--lang <lang>", "ts|js (default: ts)")
    .option("--ts", "TypeScript (same as --lang ts)")
    .option("--js", "JavaScript (same as --lang js)")
    .option("--pm <manager>", `package manager: ${PACKAGE_MANAGERS.join("|")} (default: npm)`)
    .option("--db <database>", `${DATABASES.join("|")} (default: embedded)`)
    .option("--docker", "add a Dockerfile and a docker-compose.yml (PostgreSQL, Redis)")
    .option("--no-docker", "no Docker files")
    .option("--helm", "add Helm values for the open-langgraph chart (deploy/values.yaml)")
    .option("--no-helm", "no Helm values")
    .option("--no-install", "write the files only; do not install packages")
    .option("-y, --yes", "take the defaults for everything not given; never ask")
    .option("-f, --force", "write into a folder that is not empty")
    .option("--json", "print what was created as JSON")
    .option("--olg-version <spec>", "dependency spec for open-langgraph (default: this copy)")
    .action(async (dir: string | undefined, opts: InitFlags & { ts?: boolean; js?: boolean }) => {
      if (opts.ts && opts.js) throw usageError("--ts and --js exclude each other");
      const lang = opts.lang ?? (opts.js ? "js" : opts.ts ? "ts" : undefined);
      const { runInit } = await import("./scaffold/init-run.ts");
      await runInit(dir, { ...opts, lang });
    });
  examples(cmd, [
    ["olg init", "asks for the folder, template, language, package manager, database, Docker/Helm"],
    ["olg init my-agent --template react --yes", "a ReAct agent with tools, all defaults"],
    [
      "olg init bot -t hitl --js --pm pnpm --db postgres --docker --helm -y",
      "every choice by flag",
    ],
    ["olg init my-agent -t chat -y --no-install", "files only"],
  ]);
  cmd.addHelpText(
    "after",
    `\nTemplates:\n${TEMPLATES.filter((t) => AGENT_TEMPLATES.includes(t.id))
      .map((t) => `  ${t.id.padEnd(10)} ${t.title}`)
      .join("\n")}\n`,
  );
}
