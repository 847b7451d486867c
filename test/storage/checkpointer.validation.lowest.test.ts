/**
 * The official checkpointer validation suite with `@langchain/langgraph-checkpoint` at the bottom of
 * our peer range: the vitest project "checkpoint-lowest" (vitest.config.ts) aliases the package to
 * `langgraph-checkpoint-lowest` (an npm alias of that exact version) for our saver and for the suite,
 * so SqlCheckpointSaver extends, serializes with and is checked against the lowest copy.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import * as lowest from "langgraph-checkpoint-lowest";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { SqlCheckpointSaver } from "../../src/storage/checkpointer/saver.ts";
import { checkpointerValidation } from "../support/checkpointer-validation.ts";

const require = createRequire(import.meta.url);
const own = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf-8"));

describe("the lowest supported @langchain/langgraph-checkpoint is the one in use", () => {
  it("is the bottom of our peer range, and our saver extends it", () => {
    const installed = JSON.parse(
      readFileSync(require.resolve("langgraph-checkpoint-lowest/package.json"), "utf-8"),
    ).version;
    expect(installed).toBe(
      semver.minVersion(own.peerDependencies["@langchain/langgraph-checkpoint"])!.version,
    );
    expect(BaseCheckpointSaver).toBe(lowest.BaseCheckpointSaver);
    expect(Object.getPrototypeOf(SqlCheckpointSaver.prototype)).toBe(
      lowest.BaseCheckpointSaver.prototype,
    );
  });
});

await checkpointerValidation("lowest checkpoint", "olg_cplow");
