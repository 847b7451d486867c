/** The Docker and Helm files `olg init --docker --helm` adds (the same as `olg deploy` writes). */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { composeFile, dockerFiles, helmValues } from "../deploy/artifacts.ts";
import { projectImage, readProject, secretKeys } from "../deploy/project.ts";
import type { ProjectPlan } from "./project.ts";

/** Writes the files the plan asks for (after the project's own files); returns their paths. */
export function writeDeployFiles(plan: ProjectPlan): string[] {
  if (!plan.docker && !plan.helm) return [];
  const project = readProject(plan.dir);
  const image = projectImage(project);
  const files: [string, string][] = [];
  if (plan.docker) {
    const { dockerfile, dockerignore } = dockerFiles(project);
    files.push(
      ["Dockerfile", dockerfile],
      [".dockerignore", dockerignore],
      ["docker-compose.yml", composeFile(image, project.hasEnvFile ? ".env" : undefined)],
    );
  }
  if (plan.helm)
    files.push(["deploy/values.yaml", helmValues(project, image, secretKeys(plan.dir))]);
  for (const [relative, text] of files) {
    mkdirSync(path.dirname(path.join(plan.dir, relative)), { recursive: true });
    writeFileSync(path.join(plan.dir, relative), text);
  }
  return files.map(([relative]) => relative);
}
