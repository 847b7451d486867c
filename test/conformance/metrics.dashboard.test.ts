/**
 * The Grafana dashboard and the Prometheus alert rules under `deploy/` query only metrics that our
 * `/metrics` exports (scraped from a running server), and the dashboard shows every `olg_*` family.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { sharedServers } from "../support/backends.ts";
import { scrape } from "../support/prometheus.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

const PROMQL_WORDS = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "count",
  "rate",
  "irate",
  "increase",
  "histogram_quantile",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "topk",
  "bottomk",
  "abs",
  "clamp_min",
  "label_values",
]);

/** Metric names referenced by a PromQL expression. */
function metricNames(expr: string): string[] {
  const cleaned = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\[[^\]]*\]/g, " ") // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = cleaned.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return names.filter((n) => !PROMQL_WORDS.has(n));
}

interface Panel {
  targets?: { expr: string }[];
  panels?: Panel[];
}

const dashboard = JSON.parse(
  readFileSync(path.join(ROOT, "deploy/grafana/open-langgraph.json"), "utf-8"),
) as { panels: Panel[]; uid: string; templating: { list: { query?: unknown }[] } };
const rules = parseYaml(readFileSync(path.join(ROOT, "deploy/prometheus/alerts.yml"), "utf-8")) as {
  groups: { name: string; rules: { alert: string; expr: string; for?: string }[] }[];
};

const dashboardExprs = (panels: Panel[]): string[] =>
  panels.flatMap((p) => [
    ...(p.targets ?? []).map((t) => t.expr),
    ...dashboardExprs(p.panels ?? []),
  ]);

/** A sample name maps to its family: histogram series drop `_bucket`, `_sum`, `_count`. */
function family(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return types.get(base) === "histogram" || types.get(base) === "summary" ? base : name;
}

describe("deploy/ dashboards and alerts", () => {
  const [server] = sharedServers();
  const exprs = dashboardExprs(dashboard.panels);
  const alertExprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));

  it("parses and has queries and rules", () => {
    expect(dashboard.uid).toBe("open-langgraph");
    expect(exprs.length).toBeGreaterThan(20);
    expect(alertExprs.length).toBeGreaterThan(4);
    for (const g of rules.groups)
      for (const r of g.rules) expect(r.alert).toMatch(/^OpenLangGraph/);
  });

  it("extracts metric names from PromQL", () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, route) (rate(olg_x_bucket{job=~"$job",a="b c"}[5m]))) / sum(up)',
      ),
    ).toEqual(["olg_x_bucket", "up"]);
  });

  it("queries only metrics exported by /metrics", async () => {
    const { types } = await scrape(server!.url);
    const used = new Set([...exprs, ...alertExprs].flatMap(metricNames));
    const missing = [...used].filter((n) => !types.has(family(n, types)));
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(15);
  });

  it("shows every olg_* metric family on the dashboard", async () => {
    const { types } = await scrape(server!.url);
    const shown = new Set(exprs.flatMap(metricNames).map((n) => family(n, types)));
    const olg = [...types.keys()].filter((n) => n.startsWith("olg_"));
    expect(olg.length).toBeGreaterThan(15);
    expect(olg.filter((n) => !shown.has(n))).toEqual([]);
  });
});
