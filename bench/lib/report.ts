/** Formats the collected figures as a plain-text table (stdout) and as Markdown (docs). */

import { round } from "./stats.ts";
import type { Figure } from "./suite.ts";

/** One table row: a figure's metadata and its value per target id. */
export interface Row {
  key: string;
  group: string;
  label: string;
  unit: string;
  better: Figure["better"];
  values: Record<string, number | null>;
  notes: Record<string, string>;
}

/** A table column (target). */
export interface Column {
  id: string;
  label: string;
}

/** Collects figures into rows keyed by figure key, in first-seen order. */
export class Results {
  readonly rows = new Map<string, Row>();
  readonly context: Figure[] = [];

  /** Adds the figures one target produced. */
  add(targetId: string, figures: Figure[]): void {
    for (const f of figures) {
      let row = this.rows.get(f.key);
      if (!row) {
        row = {
          key: f.key,
          group: f.group,
          label: f.label,
          unit: f.unit,
          better: f.better,
          values: {},
          notes: {},
        };
        this.rows.set(f.key, row);
      }
      row.values[targetId] = f.value;
      if (f.note) row.notes[targetId] = f.note;
    }
  }
}

function fmt(value: number | null | undefined): string {
  if (value == null || Number.isNaN(value)) return "—";
  return String(round(value));
}

/** Ours relative to the official server: > 1 means ours is better, whatever the unit. */
export function ratio(row: Row, ours: string, official = "official"): string {
  const a = row.values[ours];
  const b = row.values[official];
  if (row.better === "none" || a == null || b == null) return "—";
  if (row.better === "higher") return b === 0 ? (a > 0 ? "∞" : "—") : `${round(a / b)}×`;
  return a === 0 ? (b > 0 ? "∞" : "—") : `${round(b / a)}×`;
}

function tableCells(rows: Row[], all: Column[]): string[][] {
  // Only the targets this group measured (the official server's column always stays).
  const columns = all.filter((c, i) => i === 0 || rows.some((r) => c.id in r.values));
  const [official, ...ours] = columns;
  const header = ["figure", "unit", official?.label ?? "official"];
  for (const c of ours) header.push(c.label, "×");
  const out = [header];
  for (const row of rows) {
    const cells = [row.label, row.unit, fmt(official ? row.values[official.id] : null)];
    for (const c of ours)
      cells.push(fmt(row.values[c.id]), official ? ratio(row, c.id, official.id) : "—");
    out.push(cells);
  }
  return out;
}

function groups(results: Results): Map<string, Row[]> {
  const byGroup = new Map<string, Row[]>();
  for (const row of results.rows.values()) {
    const list = byGroup.get(row.group) ?? [];
    list.push(row);
    byGroup.set(row.group, list);
  }
  return byGroup;
}

/** Notes (errors, caveats) per row and target. */
export function notes(results: Results, columns: Column[]): string[] {
  const out: string[] = [];
  const label = (id: string) => columns.find((c) => c.id === id)?.label ?? id;
  for (const row of results.rows.values())
    for (const [id, note] of Object.entries(row.notes))
      out.push(`${label(id)} — ${row.group} — ${row.label}: ${note}`);
  for (const f of results.context) if (f.note) out.push(`${f.label}: ${f.note}`);
  return out;
}

/** Plain-text table for the terminal. */
export function textTable(results: Results, columns: Column[]): string {
  const lines: string[] = [];
  for (const [group, rows] of groups(results)) {
    const cells = tableCells(rows, columns);
    const head = cells[0] ?? [];
    const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
    lines.push("", group);
    for (const [n, r] of cells.entries()) {
      lines.push(
        r.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  "),
      );
      if (n === 0) lines.push(widths.map((w) => "-".repeat(w)).join("  "));
    }
  }
  if (results.context.length) {
    lines.push("", "Context (no server under test)");
    for (const f of results.context) lines.push(`${f.label.padEnd(60)} ${fmt(f.value)} ${f.unit}`);
  }
  return lines.join("\n");
}

/** Markdown tables for docs/benchmarks.md. */
export function markdownTables(results: Results, columns: Column[]): string {
  const lines: string[] = [];
  for (const [group, rows] of groups(results)) {
    const cells = tableCells(rows, columns);
    const head = cells[0] ?? [];
    lines.push(`### ${group}`, "");
    lines.push(`| ${head.join(" | ")} |`);
    lines.push(`|${head.map((_, i) => (i < 2 ? " --- " : " ---: ")).join("|")}|`);
    for (const r of cells.slice(1)) lines.push(`| ${r.join(" | ")} |`);
    lines.push("");
  }
  if (results.context.length) {
    lines.push("### Context: bare handlers on this machine (no server under test)", "");
    lines.push("| figure | unit | value |", "| --- | --- | ---: |");
    for (const f of results.context) lines.push(`| ${f.label} | ${f.unit} | ${fmt(f.value)} |`);
    lines.push("");
  }
  return lines.join("\n");
}
