/**
 * Test file order for `vitest run`: the files known to take longest (npm installs, CLI child
 * processes, server restarts, helm renders) start first, so that no long file starts last and
 * stretches the run while the other fork sits idle (longest-first scheduling). The rest keep
 * vitest's default order (by cached duration when known, else larger files first).
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Path fragments of the slowest files, slowest first: file durations of a full `npm test` in CI
 * (2026-12-01, load ~20; the template files as measured after their split, ~330 s and ~350 s).
 * The react-agent file packs our package; the memory-agent file starts after one other long file,
 * so it usually finds that tarball made instead of holding a fork idle while it waits.
 */
const SLOWEST = [
  "test/e2e/templates.react-agent.test.ts",
  "test/integration/tenancy.battery.test.ts", // 167 s
  "test/e2e/templates.memory-agent.test.ts",
  "test/integration/tenancy.quotas.test.ts", // 160 s
  "test/integration/dev-loop.test.ts", // 101 s
  "test/integration/roles.test.ts", // 90 s
  "test/integration/tenancy.isolation.test.ts", // 87 s
  "test/conformance/runs.fencing.test.ts", // 84 s
  "test/cli/test.test.ts", // 78 s
  "test/browser/admin.sso.test.ts", // 72 s
  "test/conformance/crons.fire.test.ts", // 71 s
  "test/conformance/encryption.test.ts", // 71 s
  "test/browser/generative-ui.test.ts", // 70 s
  "test/cli/init.test.ts", // 66 s
  "test/conformance/mcp.test.ts", // 66 s
  "test/conformance/assistants.system.test.ts", // 64 s
  "test/cli/hub-import.test.ts", // 60 s
  "test/conformance/runs.resume-window.test.ts", // 58 s
  "test/cli/migrate.test.ts", // 57 s
  "test/conformance/threads.ttl.test.ts", // 54 s
  "test/cli/logs.test.ts", // 54 s
  "test/browser/admin.first-paint.test.ts", // 51 s
  "test/integration/tenancy.audit.test.ts", // 50 s
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
