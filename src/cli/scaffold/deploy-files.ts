/** The Docker and Helm files `olg init --docker --helm` adds (the same as `olg deploy` writes). */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { compose, DOCKERIGNORE, dockerfile, helmValues } from "../deploy/artifacts.ts";
import { projectImage } from "../deploy/project.ts";
import type { ProjectPlan } from "./project.ts";

/** Writes the files the plan asks for; returns their project-relative paths. */
export function writeDeployFiles(plan: ProjectPlan): string[] {
  const project = {
    name: plan.name,
    version: "0.1.0",
    config: "open_langgraph.json",
    nodeVersion: "20",
    hasEnvFile: existsSync(path.join(plan.dir, ".env")),
    hasLockFile: plan.pm === "npm",
  };
  const image = projectImage(project);
  const files: [string, string][] = [];
  if (plan.docker)
    files.push(
      ["Dockerfile", dockerfile(project)],
      [".dockerignore", DOCKERIGNORE],
      ["docker-compose.yml", compose(project, image)],
    );
  if (plan.helm) files.push(["deploy/values.yaml", helmValues(project, image, ["OPENAI_API_KEY"])]);
  for (const [relative, text] of files) {
    mkdirSync(path.dirname(path.join(plan.dir, relative)), { recursive: true });
    writeFileSync(path.join(plan.dir, relative), text);
  }
  return files.map(([relative]) => relative);
}
