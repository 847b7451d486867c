/**
 * Global setup of the integration project: an empty folder where the run's first test process that
 * needs our packed package packs it for every process of the run (pack.ts), removed after the run.
 * It packs nothing itself, so a run without the template tests costs one mkdtemp.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
// ProvidedContext.packDir is declared in pack.ts.

export default function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), "olg-pack-run-"));
  project.provide("packDir", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
