/**
 * The files of a new project (`olg init`): package.json (the project owns its LangChain, at the
 * versions we test with), open_langgraph.json, tsconfig.json, .env.example, .gitignore, README.md.
 * Graph files come from `graphs.ts`; Docker and Helm files from `../deploy/`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { OWN_ROOT } from "../../peers/resolve.ts";
import type { Lang } from "./sources.ts";

/** Package managers `olg init` knows. */
export const PACKAGE_MANAGERS = ["npm", "pnpm", "yarn", "bun"] as const;
/** One of {@link PACKAGE_MANAGERS}. */
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];
/** Databases a project starts on. */
export const DATABASES = ["embedded", "postgres"] as const;
/** One of {@link DATABASES}. */
export type DatabaseChoice = (typeof DATABASES)[number];

/** Everything `olg init` decided. */
export interface ProjectPlan {
  dir: string;
  name: string;
  template: string;
  lang: Lang;
  pm: PackageManager;
  db: DatabaseChoice;
  docker: boolean;
  helm: boolean;
  /** The dependency spec for open-langgraph itself. */
  olgSpec: string;
}

const CORE_PACKAGES = [
  "@langchain/core",
  "@langchain/langgraph",
  "@langchain/langgraph-checkpoint",
  "@langchain/langgraph-sdk",
];

function ownPackageJson(): {
  version: string;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
} {
  return JSON.parse(readFileSync(path.join(OWN_ROOT, "package.json"), "utf-8"));
}

/**
 * How a project depends on open-langgraph: `^version` when this copy was installed from a
 * registry (it sits in a node_modules folder), else `file:` this folder (a clone or link).
 */
export function defaultOlgSpec(root = OWN_ROOT): string {
  if (root.split(path.sep).includes("node_modules")) return `^${ownPackageJson().version}`;
  return `file:${root}`;
}

/** The LangChain packages a project gets, at the versions we develop and test with. */
export function langchainDependencies(): Record<string, string> {
  const own = ownPackageJson();
  return Object.fromEntries(
    CORE_PACKAGES.map((name) => {
      const tested = own.devDependencies[name]?.replace(/^[\^~]/, "");
      return [name, tested ? `^${tested}` : own.peerDependencies[name]!];
    }),
  );
}

/** Sorted copy of a record (package.json keeps dependencies sorted). */
export function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** package.json of a new project. */
export function packageJson(plan: ProjectPlan, graphDeps: Record<string, string>): string {
  const ts = plan.lang === "ts";
  const pkg = {
    name: plan.name,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: {
      dev: "olg dev",
      start: "olg serve",
      test: "olg test",
      ...(ts ? { typecheck: "tsc --noEmit" } : { typecheck: "node --check src/*.js" }),
    },
    dependencies: sorted({
      "open-langgraph": plan.olgSpec,
      ...langchainDependencies(),
      "@langchain/openai": "^1.6.0",
      ...graphDeps,
    }),
    ...(ts ? { devDependencies: { "@types/node": "^20.19.0", typescript: "^5.9.3" } } : {}),
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** tsconfig.json (TypeScript projects): strict, NodeNext, type-check only (tsx runs the sources). */
export function tsconfig(): string {
  const config = {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      lib: ["ES2023"],
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
      types: ["node"],
    },
    include: ["src"],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** open_langgraph.json with one graph. */
export function configFile(graphId: string, graphPath: string, description: string): string {
  const config = {
    node_version: "20",
    graphs: { [graphId]: { path: graphPath, description } },
    env: ".env",
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** .env.example: the model key, the database, then the graphs' own settings. */
export function envExample(plan: ProjectPlan, graphEnv: string[]): string {
  const lines = [
    "# Copy to .env. Without OPENAI_API_KEY the graphs run on a deterministic fake model.",
    "OPENAI_API_KEY=",
    "# OPENAI_MODEL=gpt-4o-mini",
    "",
    plan.db === "postgres"
      ? "# PostgreSQL (olg serve; olg dev uses it too when set)"
      : "# Embedded database by default (.olg/data); set for PostgreSQL (olg serve)",
    `${plan.db === "postgres" ? "" : "# "}DATABASE_URL=postgres://postgres:postgres@localhost:5432/${plan.name.replace(/[^a-z0-9_]/gi, "_")}`,
    "# REDIS_URL=redis://localhost:6379",
  ];
  if (graphEnv.length) lines.push("", ...graphEnv);
  return `${lines.join("\n")}\n`;
}

/** .gitignore */
export const GITIGNORE = "node_modules/\n.olg/\n.env\ndist/\nreports/\n";

/** README.md of the project. */
export function readme(plan: ProjectPlan, title: string): string {
  const run = plan.pm === "npm" ? "npm run" : plan.pm;
  const install = plan.pm === "yarn" ? "yarn" : `${plan.pm} install`;
  return `# ${plan.name}

${title}, served by [Open LangGraph](https://github.com/open-langgraph/open-langgraph).

\`\`\`bash
${install}
${run} dev        # olg dev: http://localhost:2024 on the embedded database, reload on change
${run} test       # olg test: the scenarios in tests/ on a deterministic fake model
${plan.lang === "ts" ? `${run} typecheck\n` : ""}\`\`\`

Set \`OPENAI_API_KEY\` in \`.env\` (see \`.env.example\`) to use OpenAI instead of the fake model.
Add graphs with \`npx olg graph add <name> --template <template>\` (\`npx olg graph add --list\`).
${plan.docker ? "\nDocker: `docker compose up` runs the server on PostgreSQL and Redis (`npx olg deploy docker --dry-run`).\n" : ""}${plan.helm ? "\nKubernetes: `npx olg deploy k8s` installs the Helm chart with `deploy/values.yaml`.\n" : ""}`;
}
