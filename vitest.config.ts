import { defineConfig } from "vitest/config";
import SlowestFirst from "./test/support/sequencer.ts";

// Projects by layer (STYLE.md convention 11): unit, http (in process), storage, conformance (the only
// one whose global setup boots servers, one per backend), integration (processes each test starts),
// and the checkpointer suite on the lowest peer version. `vitest run --project unit` takes ~20 s.
const timeouts = { testTimeout: 30_000, hookTimeout: 90_000 };

export default defineConfig({
  test: {
    reporters: ["default"],
    sequence: { sequencer: SlowestFirst },
    pool: "forks",
    // `threads` serves only the unit project; a pool's isolation is read from the root config.
    poolOptions: {
      forks: { maxForks: 2, minForks: 1 },
      threads: { maxThreads: 2, minThreads: 1, isolate: false },
    },
    projects: [
      {
        // Pure logic beside the code or in test/unit: no server, no database, no global setup
        // (SQL checks belong to `storage`, e.g. the scopeSql table in test/storage/scope.sql). Files
        // share one module graph per worker (`threads` with `isolate: false`, settable per project unlike `forks`): re-importing src/ per file was most
        // of the project's time (same run, load 15: 25.7 s without isolation, 50.9 s with).
        test: {
          ...timeouts,
          name: "unit",
          pool: "threads",
          include: ["test/unit/**/*.test.ts", "src/**/*.test.ts"],
        },
      },
      {
        // The HTTP edge in process: buildServer() + app.request() on in-memory PGlite, no port.
        test: { ...timeouts, name: "http", include: ["test/http/**/*.test.ts"] },
      },
      {
        // Storage contract suites, looped over every backend (PGlite, PostgreSQL when it answers).
        test: {
          ...timeouts,
          name: "storage",
          include: ["test/storage/**/*.test.ts"],
          exclude: ["test/storage/checkpointer.validation.lowest.test.ts"],
        },
      },
      {
        // The official SDK against started servers: the only project whose global setup boots servers.
        test: {
          ...timeouts,
          name: "conformance",
          include: ["test/conformance/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
        },
      },
      {
        // Whole processes each test starts itself: replicas, faults, CLI, browsers, deploy files.
        // Its global setup boots nothing: it gives the run one folder where the first file that
        // needs our `npm pack`ed package packs it for every file (test/support/pack.ts).
        test: {
          ...timeouts,
          name: "integration",
          globalSetup: ["test/support/pack-setup.ts"],
          include: [
            "test/integration/**/*.test.ts",
            "test/cli/**/*.test.ts",
            "test/deploy/**/*.test.ts",
            "test/browser/**/*.test.ts",
            "test/e2e/**/*.test.ts",
          ],
          exclude: ["test/integration/stall.*.test.ts", "test/browser/admin.first-paint.test.ts"],
        },
      },
      {
        // Event-loop timing under load (`/ok` p99 against a bare server probed at the same time):
        // run after every other project, alone, so another test file's processes do not take the
        // second core from the server under test (CI saw a single 1.2 s probe that way).
        test: {
          ...timeouts,
          name: "timing",
          include: ["test/integration/stall.*.test.ts"],
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The admin UI's first-paint budget (1 s): a wall-clock figure of a browser and a server, so
        // it runs last and alone (CI saw every page at 1.0-1.3 s while the other fork ran a
        // tenancy or template file, 0.8-0.9 s alone).
        test: {
          ...timeouts,
          name: "paint",
          include: ["test/browser/admin.first-paint.test.ts"],
          sequence: { groupOrder: 2 },
        },
      },
      {
        // The checkpointer validation suite on the lowest @langchain/langgraph-checkpoint of our peer
        // range: the package is aliased to an npm alias of that version, for our saver and for the
        // suite (inlined, so the alias reaches its imports too).
        test: {
          ...timeouts,
          name: "checkpoint-lowest",
          include: ["test/storage/checkpointer.validation.lowest.test.ts"],
          alias: [
            {
              find: /^@langchain\/langgraph-checkpoint$/,
              replacement: "langgraph-checkpoint-lowest",
            },
          ],
          server: { deps: { inline: [/@langchain\/langgraph-checkpoint-validation/] } },
        },
      },
    ],
  },
});
