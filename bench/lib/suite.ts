/** The contract between the bench runner (`bench/index.ts`) and each suite file. */
import type { RunningTarget, TargetId } from "./targets.ts";

/** One measured number. Figures with the same `key` line up across targets in the table. */
export interface Figure {
  key: string;
  /** Table section, e.g. "Metadata reads (c=32)". */
  group: string;
  label: string;
  unit: string;
  /** Which direction is better (for the ratio column); "none" for context-only numbers. */
  better: "higher" | "lower" | "none";
  value: number | null;
  /** Errors or caveats seen while measuring, shown under the table. */
  note?: string;
}

/** What a suite gets from the runner. */
export interface SuiteContext {
  /** Progress line on stderr. */
  log(message: string): void;
  /** Shorter windows (smoke run). */
  quick: boolean;
}

/** A benchmark suite. */
export interface Suite {
  name: string;
  title: string;
  /** Targets this suite measures (default: all). */
  targets?: TargetId[];
  /** Measures one started server. */
  measure?(target: RunningTarget, ctx: SuiteContext): Promise<Figure[]>;
  /** Measures once, on its own (no target server); values go in the table's `context` column. */
  standalone?(ctx: SuiteContext): Promise<Figure[]>;
}
