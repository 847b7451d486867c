/**
 * Template sources (the `templates/` folder at the package root) as the files a project gets:
 * TypeScript as written, or JavaScript (types stripped by esbuild, imports kept as `./x.js`).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transformSync } from "esbuild";

/** The package's `templates/` folder (from src/cli/scaffold or dist/cli/scaffold). */
export const TEMPLATES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../templates",
);

/** Project language. */
export type Lang = "ts" | "js";

/** A template file's text. */
export function readTemplate(relative: string): string {
  return readFileSync(path.join(TEMPLATES_DIR, relative), "utf-8");
}

/** The leading block comment of a source (esbuild drops ordinary comments). */
function headerOf(source: string): string {
  const match = /^\/\*\*[\s\S]*?\*\/\n/.exec(source);
  return match ? match[0] : "";
}

/** A graph-side module in `lang`: the TypeScript source, or JavaScript with its header kept. */
export function graphSource(relative: string, lang: Lang): string {
  const source = readTemplate(relative);
  if (lang === "ts") return source;
  const { code } = transformSync(source, {
    loader: "ts",
    format: "esm",
    target: "es2022",
    legalComments: "none",
  });
  return `${headerOf(source)}${code}`;
}

/** File name of a module in `lang` (`model.ts` → `model.js`). */
export function fileFor(name: string, lang: Lang): string {
  return lang === "ts" ? name : name.replace(/\.ts$/, ".js");
}
