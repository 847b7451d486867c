/**
 * Parser of standard 5-field cron expressions (minute hour day-of-month month day-of-week), the
 * `@hourly`-style macros, and one extension: a 6-field form with a leading seconds field, so a
 * schedule can fire more often than once a minute (used by tests; see ARCHITECTURE.md).
 * Day-of-month and day-of-week combine as in Vixie cron: when both are restricted (neither starts
 * with `*` or `?`) a day matches either; otherwise both must match.
 */

/** A parsed schedule: the allowed values of every field, sorted ascending. */
export interface CronSpec {
  source: string;
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  /** 0 = Sunday … 6 = Saturday. */
  daysOfWeek: number[];
  /** Day-of-month / day-of-week fields written with a leading `*` or `?`. */
  domStar: boolean;
  dowStar: boolean;
  /** Whether the schedule has a seconds field (the 6-field extension). */
  hasSeconds: boolean;
}

/** A schedule that cannot be parsed; the message says which part is wrong. */
export class CronSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronSyntaxError";
  }
}

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const MONTH_NAMES = [
  "jan",
  "feb",
  "mar",
  "apr",
  "may",
  "jun",
  "jul",
  "aug",
  "sep",
  "oct",
  "nov",
  "dec",
];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldDef {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Offset added to a name's index (months are 1-based). */
  nameBase?: number;
}

const FIELDS = {
  second: { name: "second", min: 0, max: 59 },
  minute: { name: "minute", min: 0, max: 59 },
  hour: { name: "hour", min: 0, max: 23 },
  dom: { name: "day of month", min: 1, max: 31 },
  month: { name: "month", min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  dow: { name: "day of week", min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
} satisfies Record<string, FieldDef>;

/** Parses `expression`; throws `CronSyntaxError` when it is not a valid schedule. */
export function parseCron(expression: string): CronSpec {
  const source = expression.trim();
  const expanded = source.startsWith("@") ? MACROS[source.toLowerCase()] : source;
  if (expanded === undefined) throw new CronSyntaxError(`unknown macro "${source}"`);
  const parts = expanded.split(/\s+/).filter(Boolean);
  if (parts.length !== 5 && parts.length !== 6)
    throw new CronSyntaxError(
      `expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds, got ${parts.length}`,
    );
  const hasSeconds = parts.length === 6;
  const [sec, min, hour, dom, month, dow] = hasSeconds ? parts : ["0", ...parts];
  const daysOfWeek = [...new Set(parseField(dow!, FIELDS.dow).map((d) => d % 7))].sort(
    (a, b) => a - b,
  );
  return {
    source,
    seconds: parseField(sec!, FIELDS.second),
    minutes: parseField(min!, FIELDS.minute),
    hours: parseField(hour!, FIELDS.hour),
    daysOfMonth: parseField(dom!, FIELDS.dom),
    months: parseField(month!, FIELDS.month),
    daysOfWeek,
    domStar: isStar(dom!),
    dowStar: isStar(dow!),
    hasSeconds,
  };
}

const isStar = (field: string) => field.startsWith("*") || field.startsWith("?");

/** The sorted values of one field (`*`, `?`, `a`, `a-b`, `*\/n`, `a-b/n`, `a/n`, lists). */
function parseField(text: string, def: FieldDef): number[] {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") throw new CronSyntaxError(`empty list item in ${def.name} field "${text}"`);
    const [range, stepText, extra] = item.split("/");
    if (extra !== undefined) throw new CronSyntaxError(`bad step in ${def.name} field "${item}"`);
    const step = stepText === undefined ? 1 : parseNumber(stepText, def, "step");
    if (step < 1)
      throw new CronSyntaxError(`step must be at least 1 in ${def.name} field "${item}"`);
    let lo: number;
    let hi: number;
    if (range === "*" || range === "?") {
      if (range === "?" && def !== FIELDS.dom && def !== FIELDS.dow)
        throw new CronSyntaxError(`"?" is only allowed in the day fields, not in ${def.name}`);
      lo = def.min;
      hi = topOf(def);
    } else if (range!.includes("-")) {
      const [a, b, more] = range!.split("-");
      if (more !== undefined || a === "" || b === "")
        throw new CronSyntaxError(`bad range in ${def.name} field "${item}"`);
      lo = parseValue(a!, def);
      hi = parseValue(b!, def);
      if (lo > hi) throw new CronSyntaxError(`range ${range} is backwards in ${def.name} field`);
    } else {
      lo = parseValue(range!, def);
      hi = stepText === undefined ? lo : topOf(def);
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/** The highest value a wildcard or open step reaches (day of week stops at 6: 7 is Sunday again). */
const topOf = (def: FieldDef) => (def === FIELDS.dow ? 6 : def.max);

function parseValue(text: string, def: FieldDef): number {
  const index = def.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index >= 0) return index + (def.nameBase ?? 0);
  const value = parseNumber(text, def, "value");
  if (value < def.min || value > def.max)
    throw new CronSyntaxError(`${def.name} value ${value} is out of range ${def.min}-${def.max}`);
  return value;
}

function parseNumber(text: string, def: FieldDef, what: string): number {
  if (!/^\d+$/.test(text))
    throw new CronSyntaxError(`invalid ${what} "${text}" in ${def.name} field`);
  return Number(text);
}
