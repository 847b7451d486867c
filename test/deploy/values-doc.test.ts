/**
 * docs/deploy/values.md is generated from the chart's values.schema.json and values.yaml
 * (`npm run docs:values`); it must be current, and it must name every value the chart has.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { renderValuesDoc, VALUES_DOC } from "../../deploy/helm/values-doc.ts";
import { CHART_DIR } from "../support/helm.ts";

/** Dotted paths of every leaf in values.yaml (arrays and empty objects are leaves). */
function leaves(value: unknown, prefix = ""): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

describe("values reference", () => {
  it("is what the generator produces from the schema (run `npm run docs:values`)", () => {
    expect(readFileSync(VALUES_DOC, "utf-8")).toBe(renderValuesDoc());
  });

  it("documents every value of values.yaml, with its default", () => {
    const doc = readFileSync(VALUES_DOC, "utf-8");
    const values = parseYaml(readFileSync(`${CHART_DIR}/values.yaml`, "utf-8"));
    for (const key of leaves(values)) {
      // Maps of any Kubernetes field (resources, security contexts) are documented at the map.
      const parts = key.split(".");
      const documented = parts.some((_, i) => {
        const at = parts.slice(0, parts.length - i).join(".");
        return doc.split("\n").some((l) => l.startsWith(`| \`${at}\` |`));
      });
      expect(documented, key).toBe(true);
    }
  });
});
