import { defineConfig } from "vitest/config";
import SlowestFirst from "./test/support/sequencer.ts";

// Two projects: only the conformance tests share the servers that global setup boots (one per backend);
// every other test file runs without them, so a unit or storage file starts in seconds.
const timeouts = { testTimeout: 30_000, hookTimeout: 90_000 };

export default defineConfig({
  test: {
    reporters: ["default"],
    sequence: { sequencer: SlowestFirst },
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        test: {
          ...timeouts,
          name: "conformance",
          include: ["test/conformance/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
        },
      },
      {
        test: {
          ...timeouts,
          name: "rest",
          include: ["test/**/*.test.ts", "src/**/*.test.ts"],
          exclude: [
            "test/conformance/**",
            "**/node_modules/**",
            "test/storage/checkpointer.validation.lowest.test.ts",
          ],
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
