/**
 * "Bring your project", end to end, as a new user does it: a project shaped like the official
 * memory-agent-js template installs our `npm pack`ed package with the newest LangChain, stores and
 * recalls a memory across threads under `olg dev` through SDK 1.15.0, and is then built the way
 * `olg dockerfile` tells Docker to, replayed in a clean folder, started as uid 1000, probed with the
 * image's HEALTHCHECK and stopped with SIGTERM (test/support/template-turns.ts).
 */
import { afterEach, describe, it } from "vitest";
import { NEWEST } from "../support/template-project.ts";
import { cleanUp, memoryAgentTurn, replayImage } from "../support/template-turns.ts";

afterEach(cleanUp, 300_000);

describe("the user's own memory-agent project, installed from the packed package", () => {
  it("on the newest LangChain, then as its Docker image", async () => {
    const { dir, fake } = await memoryAgentTurn(NEWEST);
    await replayImage(dir, fake);
  }, 900_000);
});
