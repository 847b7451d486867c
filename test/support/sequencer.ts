/**
 * Test file order for `vitest run`: the files known to take longest (npm installs, CLI child
 * processes, server restarts, helm renders) start first, so that no long file starts last and
 * stretches the run while the other fork sits idle (longest-first scheduling). The rest keep
 * vitest's default order (by cached duration when known, else larger files first).
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Path fragments of the slowest files, slowest first (measured in CI runs). */
const SLOWEST = [
  // It packs our package (shared with the memory-agent file, which then waits for that tarball
  // if it starts at the same time: later, it finds it made).
  "test/e2e/templates.react-agent.test.ts",
  "test/cli/init.test.ts",
  "test/e2e/templates.memory-agent.test.ts",
  "test/deploy/helm.contract.test.ts",
  "test/cli/migrate.test.ts",
  "test/deploy/helm.chart.test.ts",
  "test/conformance/assistants.system.test.ts",
  "test/cli/init-files.test.ts",
  "test/deploy/docker.test.ts",
  "test/cli/basics.test.ts",
  "test/conformance/sdk-1.15.test.ts",
  "test/integration/",
  "test/cli/",
];

function rank(spec: TestSpecification): number {
  const file = spec.moduleId.replaceAll("\\", "/");
  const i = SLOWEST.findIndex((fragment) => file.includes(fragment));
  return i === -1 ? SLOWEST.length : i;
}

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const byDefault = await super.sort(files);
    // Array.prototype.sort is stable: within a rank, the default order stays.
    return [...byDefault].sort((a, b) => rank(a) - rank(b));
  }
}
