/**
 * Test file order for `vitest run`: the files known to take longest (npm installs, CLI child
 * processes, server restarts, helm renders) start first, so that no long file starts last and
 * stretches the run while the other fork sits idle (longest-first scheduling). The rest keep
 * vitest's default order (by cached duration when known, else larger files first).
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Path fragments of the slowest files, slowest first: file durations of a fresh-clone `bash .ci/run`
 * (2026-12-03, load 8-14 on 2 cores). The react-agent file packs our package; the memory-agent file
 * starts after one other long file, so it usually finds that tarball made instead of holding a fork
 * idle while it waits.
 */
const SLOWEST = [
  "test/e2e/templates.react-agent.test.ts", // 222 s
  "test/integration/tenancy.battery.test.ts", // 122 s
  "test/e2e/templates.memory-agent.test.ts", // 126 s
  "test/cli/init.test.ts", // 96 s
  "test/cli/test.test.ts", // 94 s
  "test/integration/faults.executor-thread.test.ts", // 89 s
  "test/browser/admin.sso.test.ts", // 82 s
  "test/integration/tenancy.quotas.test.ts", // 71 s
  "test/integration/executor.on-demand.test.ts", // 71 s
  "test/integration/roles.test.ts", // 61 s
  "test/browser/generative-ui.test.ts", // 61 s
  "test/integration/dev-loop.test.ts", // 55 s
  "test/cli/migrate.test.ts", // 54 s
  "test/integration/artifacts.api.test.ts", // 53 s
  "test/integration/runs.saturation.test.ts", // 49 s
  "test/browser/admin.signin-logs-ops.test.ts", // 49 s
  "test/browser/admin.graphs-runs.test.ts", // 45 s
  "test/conformance/mcp.test.ts", // 43 s
  "test/conformance/assistants.system.test.ts", // 42 s
  "test/integration/tenancy.isolation.test.ts", // 39 s
  "test/conformance/runs.final-write.test.ts", // 39 s
  "test/integration/tenancy.quota-paths.test.ts", // 38 s
  "test/conformance/threads.ttl.test.ts", // 37 s
  "test/integration/",
  "test/browser/",
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
