/**
 * Embedders for semantic search, named by `store.index.embed`:
 * - `"fake"` / `"fake:<dims>"`: a deterministic hashed bag-of-words embedder (tests, offline demos);
 * - `"./file.ts:export"`: a module relative to the config folder exporting a LangChain `Embeddings`
 *   instance or a function `(texts: string[]) => number[][] | Promise<number[][]>`;
 * - `"openai:<model>"`: `OpenAIEmbeddings` from `@langchain/openai`, when that package is installed.
 */
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { importUserModule } from "../core/modules.ts";

/** What the store needs from an embeddings model. */
export interface Embedder {
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
}

/** A deterministic embedder: each word adds ±1 to a hashed dimension; vectors are normalised. */
export class FakeEmbedder implements Embedder {
  constructor(readonly dims: number) {}

  embed(text: string): number[] {
    const vector = new Array<number>(this.dims).fill(0);
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      const digest = createHash("sha256").update(word).digest();
      const dim = digest.readUInt32BE(0) % this.dims;
      vector[dim]! += (digest[4]! & 1) === 0 ? 1 : -1;
    }
    const norm = Math.sqrt(vector.reduce((acc, v) => acc + v * v, 0));
    return norm === 0 ? vector : vector.map((v) => v / norm);
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embed(t));
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.embed(text);
  }
}

type EmbedFunction = (texts: string[]) => number[][] | Promise<number[][]>;

const isEmbeddings = (v: any): v is Embedder =>
  v != null && typeof v.embedDocuments === "function" && typeof v.embedQuery === "function";

function fromFunction(fn: EmbedFunction): Embedder {
  return {
    embedDocuments: async (texts) => fn(texts),
    embedQuery: async (text) => (await fn([text]))[0] ?? [],
  };
}

async function fromModule(spec: string, baseDir: string): Promise<Embedder> {
  const idx = spec.lastIndexOf(":");
  const hasExport = idx > 1 && !spec.slice(idx).includes("/");
  const file = path.resolve(baseDir, hasExport ? spec.slice(0, idx) : spec);
  const exportName = hasExport ? spec.slice(idx + 1) : "default";
  await stat(file).catch(() => {
    throw new Error(`store.index.embed: file not found: ${file}`);
  });
  const mod = await importUserModule(file);
  const exported = await mod[exportName];
  if (isEmbeddings(exported)) return exported;
  if (typeof exported === "function") return fromFunction(exported as EmbedFunction);
  throw new Error(
    `store.index.embed: "${exportName}" of ${file} is neither an Embeddings instance nor a function`,
  );
}

async function fromProvider(provider: string, model: string): Promise<Embedder> {
  if (provider !== "openai")
    throw new Error(
      `store.index.embed: unsupported provider "${provider}" (use openai, fake or a module path)`,
    );
  const packageName = "@langchain/openai";
  let mod: any;
  try {
    mod = await import(packageName);
  } catch {
    throw new Error(`store.index.embed: "${provider}:${model}" needs ${packageName} installed`);
  }
  return new mod.OpenAIEmbeddings({ model });
}

/** Resolves `store.index.embed` to an embedder; module paths are relative to `baseDir`. */
export async function loadEmbedder(spec: string, dims: number, baseDir: string): Promise<Embedder> {
  if (spec === "fake") return new FakeEmbedder(dims);
  if (spec.startsWith("fake:")) return new FakeEmbedder(Number.parseInt(spec.slice(5), 10) || dims);
  if (spec.startsWith(".") || spec.startsWith("/")) return fromModule(spec, baseDir);
  const colon = spec.indexOf(":");
  if (colon > 0) return fromProvider(spec.slice(0, colon), spec.slice(colon + 1));
  throw new Error(`store.index.embed: cannot resolve "${spec}"`);
}
