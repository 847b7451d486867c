/** Embedder resolution for `store.index.embed` and the field-path text extraction. */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FakeEmbedder, loadEmbedder } from "../../src/store/embeddings.ts";
import { textsAtPath, textsToEmbed, tokenizePath } from "../../src/store/text-paths.ts";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/store");
const cosine = (a: number[], b: number[]) => a.reduce((acc, v, i) => acc + v * b[i]!, 0);

describe("fake embedder", () => {
  it("is deterministic, normalised, of the configured size, and ranks shared words higher", async () => {
    const e = new FakeEmbedder(32);
    const [a, b] = await e.embedDocuments(["Python tutorial", "python TUTORIAL"]);
    expect(a).toEqual(b);
    expect(a).toHaveLength(32);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 10);
    const q = await e.embedQuery("python");
    const near = await e.embedQuery("python snakes");
    const far = await e.embedQuery("tomato soup");
    expect(cosine(q, near)).toBeGreaterThan(cosine(q, far));
    expect(await new FakeEmbedder(8).embedQuery("")).toEqual(new Array(8).fill(0));
  });

  it('is chosen by "fake" (config dims) and "fake:<dims>"', async () => {
    expect(await (await loadEmbedder("fake", 12, FIXTURES)).embedQuery("x")).toHaveLength(12);
    expect(await (await loadEmbedder("fake:5", 12, FIXTURES)).embedQuery("x")).toHaveLength(5);
  });
});

describe("embedder modules", () => {
  it("loads an embed function relative to the config folder", async () => {
    const e = await loadEmbedder("./embed.ts:countAnimals", 2, FIXTURES);
    expect(await e.embedDocuments(["cat cat dog", "dog"])).toEqual([
      [2, 1],
      [0, 1],
    ]);
    expect(await e.embedQuery("cat")).toEqual([1, 0]);
  });

  it("loads an Embeddings-like object", async () => {
    const e = await loadEmbedder("./embed.ts:animalEmbeddings", 2, FIXTURES);
    expect(await e.embedQuery("dog dog")).toEqual([0, 2]);
  });

  it("names the problem when the module, the export or the provider is missing", async () => {
    await expect(loadEmbedder("./missing.ts:x", 2, FIXTURES)).rejects.toThrow(/file not found/);
    await expect(loadEmbedder("./embed.ts:nothing", 2, FIXTURES)).rejects.toThrow(
      /neither an Embeddings instance nor a function/,
    );
    await expect(loadEmbedder("openai:text-embedding-3-small", 2, FIXTURES)).rejects.toThrow(
      /@langchain\/openai/,
    );
    await expect(loadEmbedder("cohere:embed", 2, FIXTURES)).rejects.toThrow(/unsupported provider/);
  });
});

describe("field paths", () => {
  const doc = {
    title: "Q4",
    meta: { author: "ann", pages: 3 },
    chapters: [{ content: "one" }, { content: "two" }],
    tags: ["a", "b", "c"],
  };

  it("tokenizes names, indexes and field groups", () => {
    expect(tokenizePath("chapters[*].content")).toEqual(["chapters", "[*]", "content"]);
    expect(tokenizePath("{title,meta.author}")).toEqual(["{title,meta.author}"]);
  });

  it("extracts texts as the BaseStore path syntax describes", () => {
    expect(textsAtPath(doc, "$")).toEqual([JSON.stringify(doc, null, 2)]);
    expect(textsAtPath(doc, "title")).toEqual(["Q4"]);
    expect(textsAtPath(doc, "meta.pages")).toEqual(["3"]);
    expect(textsAtPath(doc, "chapters[*].content")).toEqual(["one", "two"]);
    expect(textsAtPath(doc, "tags[-1]")).toEqual(["c"]);
    expect(textsAtPath(doc, "tags[0]")).toEqual(["a"]);
    expect(textsAtPath(doc, "{title,meta.author}")).toEqual(["Q4", "ann"]);
    expect(textsAtPath(doc, "missing.field")).toEqual([]);
  });

  it("names one field per text, suffixing the index when a path matches several", () => {
    expect(textsToEmbed(doc, ["title", "tags[*]"])).toEqual([
      { field: "title", text: "Q4" },
      { field: "tags[*].0", text: "a" },
      { field: "tags[*].1", text: "b" },
      { field: "tags[*].2", text: "c" },
    ]);
  });
});
