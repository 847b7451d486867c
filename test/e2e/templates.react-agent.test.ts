/**
 * "Bring your project", end to end, as a new user does it: a project shaped like the official
 * react-agent-js template installs our `npm pack`ed package with its own LangChain, at the newest
 * versions and at the lowest our peer ranges allow, and runs a tool-calling turn with an interrupt
 * under `olg dev` through SDK 1.15.0 (test/support/template-turns.ts). The memory-agent template
 * and the Docker image are in templates.memory-agent.test.ts, a file of its own so that the two
 * run on both forks at once.
 */
import { afterEach, describe, it } from "vitest";
import { LOWEST, NEWEST } from "../support/template-project.ts";
import { cleanUp, reactAgentTurn } from "../support/template-turns.ts";

afterEach(cleanUp, 300_000);

describe("the user's own react-agent project, installed from the packed package", () => {
  it("on the newest LangChain", async () => {
    await reactAgentTurn(NEWEST);
  }, 900_000);

  it("on the lowest supported LangChain", async () => {
    await reactAgentTurn(LOWEST);
  }, 900_000);
});
