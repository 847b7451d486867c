/**
 * The Dockerfile `olg dockerfile` writes for a user's project (as `langgraph dockerfile` does for
 * the official server): two stages, the project's production dependencies installed from its lock
 * (`npm ci --omit=dev`, so the image runs on the project's own LangChain and open-langgraph
 * versions), then the project's files (graphs, open_langgraph.json) on a slim Node image, run as
 * a numeric non-root user, `HEALTHCHECK` on `/ok`, `olg serve` as the process that receives SIGTERM
 * (it drains: see src/cli/serve.ts). The layout matches the Helm chart (deploy/helm/open-langgraph):
 * the project at /app, its packages in /app/node_modules, `olg` as the entrypoint.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseConfigFile } from "../../config/load.ts";
import { CliError, usageError } from "../errors.ts";

/** Where the project lives inside the image (the Helm chart's `project.configPath` folder). */
export const APP_DIR = "/app";
/** The container port (the chart's `settings.port`, the official images' 8000). */
export const CONTAINER_PORT = 8000;
/** uid:gid the server runs as (the `node` user of the official Node images; the chart's runAsUser). */
export const RUN_AS = "1000:1000";
/** Node major used when the config has no `node_version`. */
export const DEFAULT_NODE_VERSION = "22";

/** The HEALTHCHECK probe: Node's fetch on `/ok` (slim images have no curl). */
export const HEALTHCHECK_SCRIPT =
  "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/ok')" +
  ".then(r=>process.exit(r.ok?0:1),()=>process.exit(1))";

/** What the generator needs to know about the project. */
export interface DockerProject {
  /** Folder holding package.json and the lock: the build context, copied to /app. */
  root: string;
  /** The config file, relative to `root` (POSIX separators). */
  configPath: string;
  /** `node_version` of the config, else {@link DEFAULT_NODE_VERSION}. */
  nodeVersion: string;
  /** `dockerfile_lines` of the config: inserted in the final stage, before USER. */
  extraLines: string[];
  /** Files besides package.json and the lock that `npm ci` needs (.npmrc, local `file:` packages). */
  installInputs: string[];
}

/** The folder at or above `dir` holding a package.json, or null. */
export function findProjectRoot(dir: string): string | null {
  let current = path.resolve(dir);
  for (;;) {
    if (existsSync(path.join(current, "package.json"))) return current;
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

const toPosix = (p: string) => p.split(path.sep).join("/");

/**
 * Reads what the Dockerfile needs from the project whose config is `configFile`. Refuses, with the
 * fix, a project the image could not run: no package.json, no package-lock.json (`npm ci` needs
 * it), or open-langgraph missing from `dependencies` (`--omit=dev` would leave it out).
 */
export function inspectProject(configFile: string): DockerProject {
  const root = findProjectRoot(path.dirname(configFile));
  if (!root) {
    throw usageError(
      `no package.json at or above ${path.dirname(configFile)}`,
      "The image installs the project's packages: run `npm init -y && npm i open-langgraph` first.",
    );
  }
  const lock = ["package-lock.json", "npm-shrinkwrap.json"].find((f) =>
    existsSync(path.join(root, f)),
  );
  if (!lock) {
    throw usageError(
      `no package-lock.json in ${root}: the image installs with \`npm ci\`, which needs the lock`,
      "Run `npm install` in the project and commit package-lock.json.",
    );
  }
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf-8"));
  if (!pkg.dependencies?.["open-langgraph"]) {
    throw usageError(
      `open-langgraph is not in the "dependencies" of ${path.join(root, "package.json")}`,
      "The image installs production dependencies only: run `npm i open-langgraph` (not -D).",
    );
  }
  // The same strict parse as the server's: a config the image could not start with is refused here.
  const config = parseConfigFile(readFileSync(configFile, "utf-8"), configFile);
  const installInputs = [".npmrc"].filter((f) => existsSync(path.join(root, f)));
  for (const deps of [pkg.dependencies, pkg.optionalDependencies]) {
    for (const spec of Object.values<string>(deps ?? {})) {
      if (!spec.startsWith("file:")) continue;
      const local = path.resolve(root, spec.slice("file:".length));
      const rel = path.relative(root, local);
      if (rel.startsWith("..") || path.isAbsolute(rel)) {
        throw new CliError(
          `dependency ${spec} lies outside the project folder ${root}: the image cannot copy it`,
          "usage",
        );
      }
      installInputs.push(toPosix(rel));
    }
  }
  return {
    root,
    configPath: toPosix(path.relative(root, configFile)),
    nodeVersion: String(config.node_version ?? DEFAULT_NODE_VERSION),
    extraLines: Array.isArray(config.dockerfile_lines) ? config.dockerfile_lines : [],
    installInputs: [lock, ...installInputs],
  };
}

/** The config path inside the image. */
export function imageConfigPath(project: Pick<DockerProject, "configPath">): string {
  return `${APP_DIR}/${project.configPath}`;
}

/** The Dockerfile text for `project`; `generator` names the package and version that wrote it. */
export function renderDockerfile(project: DockerProject, generator: string): string {
  const base = `node:\${NODE_VERSION}-bookworm-slim`;
  // Top-level files in one COPY; nested ones (a local `file:` package) keep their folder.
  const inputs = ["package.json", ...project.installInputs];
  const copies = [
    `COPY ${inputs.filter((f) => !f.includes("/")).join(" ")} ./`,
    ...inputs.filter((f) => f.includes("/")).map((f) => `COPY ${f} ./${f}`),
  ];
  const lines = [
    "# syntax=docker/dockerfile:1",
    `# Generated by \`olg dockerfile\` (${generator}). Build: docker build -t my-agent .`,
    `# Run: docker run -p 8123:${CONTAINER_PORT} -e DATABASE_URL=... -e REDIS_URL=... my-agent`,
    `ARG NODE_VERSION=${project.nodeVersion}`,
    "",
    "# Production dependencies, from the project's lock: its own LangChain and open-langgraph.",
    `FROM ${base} AS deps`,
    `WORKDIR ${APP_DIR}`,
    ...copies,
    "RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force",
    "",
    `FROM ${base}`,
    `ENV NODE_ENV=production PORT=${CONTAINER_PORT} PATH=${APP_DIR}/node_modules/.bin:$PATH`,
    `WORKDIR ${APP_DIR}`,
    `COPY --from=deps ${APP_DIR}/node_modules ./node_modules`,
    "# The graphs, open_langgraph.json and the rest of the project (see .dockerignore).",
    "COPY . .",
    ...project.extraLines,
    "# The embedded database's folder, for runs without DATABASE_URL (files stay root-owned, read-only).",
    `RUN mkdir -p .olg && chown ${RUN_AS} .olg`,
    `USER ${RUN_AS}`,
    `EXPOSE ${CONTAINER_PORT}`,
    "HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \\",
    `  CMD ["node", "-e", ${JSON.stringify(HEALTHCHECK_SCRIPT)}]`,
    "# olg serve is PID 1 and drains on SIGTERM (runs in flight finish or are handed back).",
    "STOPSIGNAL SIGTERM",
    'ENTRYPOINT ["olg"]',
    `CMD ["serve", "--config", ${JSON.stringify(imageConfigPath(project))}]`,
    "",
  ];
  return lines.join("\n");
}

/** The .dockerignore: no host node_modules, local database, VCS or secrets in the image. */
export function renderDockerignore(): string {
  return [
    "# Generated by `olg dockerfile`.",
    "node_modules",
    ".olg",
    ".langgraph_api",
    ".git",
    ".env",
    ".env.*",
    "npm-debug.log*",
    "Dockerfile",
    ".dockerignore",
    "docker-compose.yml",
    "",
  ].join("\n");
}
