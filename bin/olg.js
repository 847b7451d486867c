#!/usr/bin/env node
// The `olg` / `open-langgraph` command. The published package runs its compiled JavaScript (dist/);
// a clone, which has the TypeScript sources, runs those through tsx (no build step, never a stale
// dist). tsx is registered either way, for ESM and for CommonJS: the user's graph modules are
// TypeScript loaded without a build step, and a project without `"type": "module"` makes them
// CommonJS. What runs next (src/cli/boot.ts) makes our code share the project's LangChain.
import { existsSync } from "node:fs";
import { register as registerTsxCjs } from "tsx/cjs/api";
import { register as registerTsx } from "tsx/esm/api";

registerTsx();
registerTsxCjs();
const sources = new URL("../src/cli/boot.ts", import.meta.url);
const entry = existsSync(sources) ? sources : new URL("../dist/cli/boot.js", import.meta.url);
const { boot } = await import(entry.href);
await boot(process.argv);
