/**
 * Replays a Dockerfile's steps without a container engine (none runs on these machines): each stage
 * gets a folder standing for its filesystem, absolute container paths map into it, WORKDIR/ENV/ARG
 * are tracked, COPY copies from the build context (honouring .dockerignore) or from an earlier stage,
 * RUN runs the command with the host's Node and npm in the mapped working directory. What the image
 * would start (ENTRYPOINT + CMD, as USER, with its ENV) and its HEALTHCHECK come back to be run.
 * The base image's own files are the host's: a step that needs a tool the host lacks fails loudly.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { DockerfileParser, type Instruction } from "dockerfile-ast";

/** The final stage, ready to start. */
export interface ReplayedImage {
  /** Folder standing for the final stage's `/`. */
  root: string;
  /** Container path → host path. */
  map(containerPath: string): string;
  workdir: string;
  env: Record<string, string>;
  user: { uid: number; gid: number } | null;
  /** ENTRYPOINT + CMD (exec form), container paths left as written. */
  command: string[];
  healthcheck: string[] | null;
  stopSignal: string | null;
  exposed: number[];
}

interface Stage {
  name: string | null;
  root: string;
  workdir: string;
  env: Record<string, string>;
}

const exec = (text: string): string[] => JSON.parse(text) as string[];

function expand(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a, b) => vars[a ?? b] ?? "");
}

/** `K=V K2="V 2"` pairs of ENV/ARG. */
function pairs(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of text.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const raw = m[2]!;
    out.push([m[1]!, raw.startsWith('"') ? JSON.parse(raw) : raw]);
  }
  return out;
}

/** A minimal .dockerignore: root-relative names and `*` globs, one per line. */
function ignoreMatcher(context: string): (rel: string) => boolean {
  const file = path.join(context, ".dockerignore");
  const patterns = existsSync(file)
    ? readFileSync(file, "utf-8")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("#"))
        .map(
          (l) =>
            new RegExp(
              `^${l
                .replace(/^\//, "")
                .replace(/[.+?^$()[\]{}|\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")}(/.*)?$`,
            ),
        )
    : [];
  return (rel) => patterns.some((re) => re.test(rel));
}

/**
 * A stage's own HOME and npm cache, as a container has: a step such as `npm cache clean --force`
 * must not touch the host's. The cache is seeded with hard links to the host's cache entries
 * (content-addressed files, never rewritten in place) so installs need not download again.
 */
function stageHome(stage: Stage): Record<string, string> {
  const home = path.join(stage.root, "root");
  const cache = path.join(home, ".npm");
  if (!existsSync(cache)) {
    mkdirSync(cache, { recursive: true });
    const hostCache = path.join(
      process.env.npm_config_cache || path.join(homedir(), ".npm"),
      "_cacache",
    );
    if (existsSync(hostCache)) {
      execFileSync("cp", ["-al", hostCache, path.join(cache, "_cacache")], { stdio: "ignore" });
    }
  }
  return { HOME: home, npm_config_cache: cache, npm_config_prefer_offline: "true" };
}

/** Replays `dockerfile` with `context` as the build context, in `workspace` (created). */
export function replayDockerfile(
  dockerfile: string,
  context: string,
  workspace: string,
  options: { timeoutMs?: number } = {},
): ReplayedImage {
  const parsed = DockerfileParser.parse(readFileSync(dockerfile, "utf-8"));
  const ignored = ignoreMatcher(context);
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  let user: ReplayedImage["user"] = null;
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let healthcheck: string[] | null = null;
  let stopSignal: string | null = null;
  const exposed: number[] = [];
  const current = () => stages[stages.length - 1]!;
  const mapIn = (stage: Stage, p: string) =>
    path.join(stage.root, path.posix.resolve(stage.workdir, p));

  for (const ins of parsed.getInstructions() as Instruction[]) {
    const keyword = ins.getKeyword();
    const args = ins.getArgumentsContent() ?? "";
    if (keyword === "ARG") {
      for (const [k, v] of pairs(args)) if (stages.length === 0) globalArgs[k] = v;
      continue;
    }
    if (keyword === "FROM") {
      const [, , name] = args.split(/\s+/);
      const root = path.join(workspace, `stage${stages.length}`);
      mkdirSync(root, { recursive: true });
      stages.push({ name: name ?? null, root, workdir: "/", env: {} });
      user = null;
      entrypoint = [];
      cmd = [];
      continue;
    }
    const stage = current();
    const vars = { ...globalArgs, ...stage.env };
    switch (keyword) {
      case "WORKDIR":
        stage.workdir = path.posix.resolve(stage.workdir, expand(args, vars));
        mkdirSync(mapIn(stage, "."), { recursive: true });
        break;
      case "ENV":
        for (const [k, v] of pairs(args)) stage.env[k] = expand(v, { ...vars, PATH: "$PATH" });
        break;
      case "COPY": {
        const from = /--from=(\S+)/.exec(ins.getTextContent())?.[1];
        const parts = args.split(/\s+/);
        const dest = parts.pop()!;
        const source = from ? stages.find((s) => s.name === from) : null;
        if (from && !source) throw new Error(`COPY --from=${from}: no such stage`);
        for (const src of parts) {
          const host = source ? mapIn(source, src) : path.join(context, src);
          if (!existsSync(host)) throw new Error(`COPY ${src}: not found (${host})`);
          const into = dest.endsWith("/") || parts.length > 1;
          const target =
            into && !statSync(host).isDirectory()
              ? path.join(mapIn(stage, dest), path.basename(src))
              : mapIn(stage, dest);
          mkdirSync(path.dirname(target), { recursive: true });
          const base = host;
          cpSync(host, target, {
            recursive: true,
            // node_modules/.bin links stay relative, as in an image layer.
            verbatimSymlinks: true,
            filter: (file) =>
              source != null ||
              !ignored(path.relative(context, file).split(path.sep).join("/")) ||
              file === base,
          });
        }
        break;
      }
      case "RUN": {
        const cwd = mapIn(stage, ".");
        execFileSync("sh", ["-c", args], {
          cwd,
          env: { ...process.env, ...stage.env, PATH: process.env.PATH ?? "", ...stageHome(stage) },
          stdio: "pipe",
          timeout: options.timeoutMs ?? 600_000,
        });
        break;
      }
      case "USER": {
        const [uid, gid] = args.split(":").map(Number);
        if (!Number.isInteger(uid)) throw new Error(`USER ${args}: replay needs a numeric uid`);
        user = { uid: uid!, gid: gid ?? uid! };
        break;
      }
      case "EXPOSE":
        exposed.push(...args.split(/\s+/).map((p) => Number.parseInt(p, 10)));
        break;
      case "HEALTHCHECK":
        healthcheck = exec(args.replace(/^CMD\s+/, ""));
        break;
      case "STOPSIGNAL":
        stopSignal = args;
        break;
      case "ENTRYPOINT":
        entrypoint = exec(args);
        break;
      case "CMD":
        cmd = exec(args);
        break;
      case "LABEL":
        break;
      default:
        throw new Error(`replay does not know ${keyword}`);
    }
  }
  const last = current();
  return {
    root: last.root,
    map: (p) => path.join(last.root, path.posix.resolve(last.workdir, p)),
    workdir: last.workdir,
    env: last.env,
    user,
    command: [...entrypoint, ...cmd],
    healthcheck,
    stopSignal,
    exposed,
  };
}

/** Resolves `name` on the image's PATH (its container entries mapped into the stage). */
export function whichInImage(image: ReplayedImage, name: string): string {
  for (const dir of (image.env.PATH ?? "").split(":")) {
    if (dir === "$PATH" || !dir) continue;
    const file = path.join(image.root, dir, name);
    if (existsSync(file)) return file;
  }
  throw new Error(`${name} is not on the image's PATH (${image.env.PATH})`);
}

/** Every file under `dir` (relative, POSIX). */
export function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`)
      : [`${prefix}${e.name}`],
  );
}
