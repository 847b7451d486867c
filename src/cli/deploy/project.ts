/** The facts about the project in a folder that `olg deploy` needs (package.json, config, .env). */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { requireConfigFile } from "../../config/load.ts";
import { DEFAULT_NODE_VERSION, type DockerProject } from "../docker/dockerfile.ts";
import { packageInfo } from "../version.ts";
import { OLG_IMAGE } from "./artifacts.ts";

/** A project as `olg deploy` sees it. */
export interface DeployProject extends DockerProject {
  name: string;
  version: string;
  hasEnvFile: boolean;
}

/** Reads the project whose config is `config` (or found from `cwd`), without validating it for
 * an image build (`inspectProject` of ../docker does that when a Dockerfile is written). */
export function readProject(cwd: string, config?: string): DeployProject {
  const configPath = requireConfigFile(cwd, config);
  const root = path.dirname(configPath);
  const pkgPath = path.join(root, "package.json");
  const pkg = existsSync(pkgPath) ? JSON.parse(readFileSync(pkgPath, "utf-8")) : {};
  const configJson = JSON.parse(readFileSync(configPath, "utf-8"));
  return {
    root,
    name: String(pkg.name ?? path.basename(root)).replace(/^@[^/]+\//, ""),
    version: String(pkg.version ?? "0.0.0"),
    configPath: path.relative(root, configPath).split(path.sep).join("/"),
    nodeVersion: String(configJson.node_version ?? DEFAULT_NODE_VERSION),
    extraLines: Array.isArray(configJson.dockerfile_lines) ? configJson.dockerfile_lines : [],
    installInputs: [
      "package-lock.json",
      ...[".npmrc"].filter((f) => existsSync(path.join(root, f))),
    ],
    hasEnvFile: existsSync(path.join(root, ".env")),
  };
}

/** The default image: ours (ghcr.io/open-langgraph/open-langgraph:<version>) for our own
 * repository, else `<project name>:<project version>`. */
export function projectImage(p: Pick<DeployProject, "name" | "version">): string {
  if (p.name === "open-langgraph") return `${OLG_IMAGE}:${packageInfo().version}`;
  return `${p.name}:${p.version}`;
}

/** The keys of `.env.example` that hold secrets (keys, passwords, tokens). */
export function secretKeys(root: string): string[] {
  const file = path.join(root, ".env.example");
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf-8");
  const keys = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
  return [...new Set(keys.filter((k) => /KEY|SECRET|TOKEN|PASSWORD/.test(k)))];
}
