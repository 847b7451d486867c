/** The work of `olg init` once its flags are parsed: settle the plan, write the files, install. */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as prompts from "@clack/prompts";
import { CliError, usageError } from "../errors.ts";
import type { InitFlags } from "../init.ts";
import { color, interactive, printJson, say } from "../ui/term.ts";
import { AGENT_TEMPLATES, findTemplate, TEMPLATES } from "./catalog.ts";
import { writeDeployFiles } from "./deploy-files.ts";
import { writeGraphFiles } from "./graphs.ts";
import { installProject } from "./install.ts";
import {
  configFile,
  DATABASES,
  type DatabaseChoice,
  defaultOlgSpec,
  envExample,
  GITIGNORE,
  PACKAGE_MANAGERS,
  type PackageManager,
  type ProjectPlan,
  packageJson,
  readme,
  tsconfig,
} from "./project.ts";
import type { Lang } from "./sources.ts";

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string) {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T))
    throw usageError(`${flag} must be one of ${allowed.join(", ")} (got "${value}")`);
  return value as Exclude<T, symbol>;
}

function answered<T>(value: T): Exclude<T, symbol> {
  if (prompts.isCancel(value)) {
    prompts.cancel("Cancelled.");
    throw new CliError("cancelled", "cancelled");
  }
  return value as Exclude<T, symbol>;
}

function templateOf(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const found = findTemplate(name);
  if (!found || !AGENT_TEMPLATES.includes(found.id))
    throw usageError(
      `unknown template "${name}"`,
      `Templates: ${AGENT_TEMPLATES.join(", ")} (vector databases: olg graph add --list)`,
    );
  return found.id;
}

/** Fills in what the flags left open: prompts on a terminal, defaults otherwise. */
async function settle(dirArg: string | undefined, f: InitFlags): Promise<ProjectPlan> {
  const ask = !f.yes && interactive();
  const given = {
    template: templateOf(f.template),
    lang: oneOf<Lang>(f.lang, ["ts", "js"], "--lang"),
    pm: oneOf<PackageManager>(f.pm, PACKAGE_MANAGERS, "--pm"),
    db: oneOf<DatabaseChoice>(f.db, DATABASES, "--db"),
  };
  if (ask) prompts.intro(color.bold("Create an Open LangGraph project"));
  let dir = dirArg;
  if (dir === undefined && ask)
    dir = answered(
      await prompts.text({
        message: "Project folder",
        placeholder: "my-agent",
        defaultValue: "my-agent",
        validate: (v) => (v && /[<>:"|?*]/.test(v) ? "Not a valid folder name" : undefined),
      }),
    );
  dir ??= "my-agent";
  const template =
    given.template ??
    (ask
      ? answered(
          await prompts.select({
            message: "Template",
            options: TEMPLATES.filter((t) => AGENT_TEMPLATES.includes(t.id)).map((t) => ({
              value: t.id,
              label: t.id,
              hint: t.title,
            })),
            initialValue: "react",
          }),
        )
      : "react");
  const lang =
    given.lang ??
    (ask
      ? answered(
          await prompts.select<Lang>({
            message: "Language",
            options: [
              { value: "ts", label: "TypeScript" },
              { value: "js", label: "JavaScript" },
            ],
          }),
        )
      : "ts");
  const pm =
    given.pm ??
    (ask
      ? answered(
          await prompts.select<PackageManager>({
            message: "Package manager",
            options: PACKAGE_MANAGERS.map((p) => ({ value: p, label: p })),
          }),
        )
      : "npm");
  const db =
    given.db ??
    (ask
      ? answered(
          await prompts.select<DatabaseChoice>({
            message: "Database",
            options: [
              {
                value: "embedded",
                label: "embedded",
                hint: "PGlite in .olg/data, nothing to set up",
              },
              { value: "postgres", label: "PostgreSQL", hint: "DATABASE_URL" },
            ],
          }),
        )
      : "embedded");
  const docker =
    f.docker ??
    (ask
      ? answered(await prompts.confirm({ message: "Add Docker files?", initialValue: false }))
      : false);
  const helm =
    f.helm ??
    (ask
      ? answered(await prompts.confirm({ message: "Add Helm values?", initialValue: false }))
      : false);
  const root = path.resolve(dir);
  const name = path
    .basename(root)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "");
  return {
    dir: root,
    name: name || "my-agent",
    template,
    lang,
    pm,
    db,
    docker,
    helm,
    olgSpec: f.olgVersion ?? defaultOlgSpec(),
  };
}

/** Writes the project; returns the project-relative paths written. */
export function writeProject(plan: ProjectPlan): string[] {
  const template = findTemplate(plan.template)!;
  mkdirSync(plan.dir, { recursive: true });
  const put = (relative: string, text: string) => {
    writeFileSync(path.join(plan.dir, relative), text);
    return relative;
  };
  const { files, graphPath } = writeGraphFiles(plan.dir, "agent", template, plan.lang, true);
  const written = [
    put("package.json", packageJson(plan, template.dependencies)),
    put("open_langgraph.json", configFile("agent", graphPath, template.title)),
    ...(plan.lang === "ts" ? [put("tsconfig.json", tsconfig())] : []),
    put(".env.example", envExample(plan, template.env)),
    put(".gitignore", GITIGNORE),
    put("README.md", readme(plan, template.title)),
    ...files,
  ];
  return [...written, ...writeDeployFiles(plan)];
}

/** `olg init`. */
export async function runInit(dirArg: string | undefined, flags: InitFlags): Promise<void> {
  const plan = await settle(dirArg, flags);
  if (existsSync(plan.dir) && readdirSync(plan.dir).length > 0 && !flags.force)
    throw usageError(
      `${path.relative(process.cwd(), plan.dir) || "."} is not empty`,
      "Choose a new folder, or pass --force to write into it.",
    );
  const files = writeProject(plan);
  const rel = path.relative(process.cwd(), plan.dir) || ".";
  say.ok(`Created ${rel} (${plan.template}, ${plan.lang === "ts" ? "TypeScript" : "JavaScript"})`);
  if (flags.install !== false) await installProject(plan.pm, plan.dir, flags.json);
  if (flags.json) {
    printJson({ ...plan, files, installed: flags.install !== false });
    return;
  }
  const run = plan.pm === "npm" ? "npm run" : plan.pm;
  const steps = [
    `cd ${rel}`,
    ...(flags.install === false ? [plan.pm === "yarn" ? "yarn" : `${plan.pm} install`] : []),
    `${run} dev`,
    `${run} test`,
  ];
  const text = steps.map((s) => `  ${color.cyan(s)}`).join("\n");
  if (!flags.yes && interactive()) prompts.outro(`Next:\n${text}`);
  else process.stdout.write(`Next:\n${text}\n`);
}
