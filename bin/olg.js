#!/usr/bin/env node
// The `olg` command. Our sources and the user's graph modules are TypeScript loaded without a
// build step (tsx), and the hook below makes every graph module share our single copy of the
// LangChain packages so `instanceof` checks (Command, StateGraph, BaseMessage) hold across them.
import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";

registerTsx();
register("../src/graphs/shared-deps-hook.mjs", import.meta.url);

const { main } = await import("../src/cli/main.ts");
await main(process.argv);
