/**
 * Assertions of `olg test` scenarios. A path (`messages[-1].content`, `items.length`) picks a value;
 * a matcher checks it: a plain value means deep equality, an object of operators means each must
 * hold (`contains`, `not_contains`, `matches`, `equals`, `subset`, `gt`, `gte`, `lt`, `lte`,
 * `length`, `exists`, `type`, `one_of`, `not`).
 */
import { isDeepStrictEqual } from "node:util";

const OPERATORS = new Set([
  "contains",
  "not_contains",
  "matches",
  "equals",
  "subset",
  "gt",
  "gte",
  "lt",
  "lte",
  "length",
  "exists",
  "type",
  "one_of",
  "not",
]);

type Json = unknown;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether `matcher` is an operator object (every key an operator) rather than a literal. */
export const isOperatorObject = (matcher: unknown): matcher is Record<string, unknown> =>
  isObject(matcher) &&
  Object.keys(matcher).length > 0 &&
  Object.keys(matcher).every((k) => OPERATORS.has(k));

/** Splits `a.b[0]["c.d"][-1]` into keys; negative indexes count from the end. */
export function parsePath(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(-?\d+)\]|\["([^"]*)"\]/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) keys.push(/^-?\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    else if (m[2] !== undefined) keys.push(Number(m[2]));
    else keys.push(m[3]!);
  }
  return keys;
}

/** The value at `path` in `root` (undefined when any step is missing). `""` or `$` is the root. */
export function getPath(root: Json, path: string): Json {
  if (path === "" || path === "$") return root;
  let current: Json = root;
  for (const key of parsePath(path)) {
    if (current == null) return undefined;
    if (key === "length" && (Array.isArray(current) || typeof current === "string"))
      current = current.length;
    else if (typeof key === "number" && Array.isArray(current))
      current = current[key < 0 ? current.length + key : key];
    else if (typeof current === "object") current = (current as Record<string, Json>)[String(key)];
    else return undefined;
  }
  return current;
}

/** Whether `actual` contains everything `expected` has (objects by key, arrays element-wise). */
export function isSubset(actual: Json, expected: Json): boolean {
  if (isObject(expected)) {
    if (!isObject(actual)) return false;
    return Object.entries(expected).every(([k, v]) => isSubset(actual[k], v));
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return false;
    return expected.every((e) => actual.some((a) => isSubset(a, e)));
  }
  return isDeepStrictEqual(actual, expected);
}

const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
const show = (v: unknown) => (v === undefined ? "undefined" : JSON.stringify(v));

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function contains(actual: unknown, needle: unknown): boolean {
  if (typeof actual === "string")
    return actual.toLowerCase().includes(String(needle).toLowerCase());
  if (Array.isArray(actual)) return actual.some((a) => isSubset(a, needle));
  if (isObject(actual)) return isSubset(actual, needle);
  return false;
}

/** Checks one operator; returns a failure text or null. */
function checkOperator(op: string, expected: unknown, actual: unknown): string | null {
  const num = typeof actual === "number" ? actual : Number.NaN;
  switch (op) {
    case "contains":
      return contains(actual, expected)
        ? null
        : `expected ${show(actual)} to contain ${show(expected)}`;
    case "not_contains":
      return contains(actual, expected)
        ? `expected ${show(actual)} not to contain ${show(expected)}`
        : null;
    case "matches":
      return new RegExp(String(expected), "i").test(text(actual))
        ? null
        : `expected ${show(actual)} to match /${String(expected)}/i`;
    case "equals":
      return isDeepStrictEqual(actual, expected)
        ? null
        : `expected ${show(expected)}, got ${show(actual)}`;
    case "subset":
      return isSubset(actual, expected)
        ? null
        : `expected ${show(actual)} to include ${show(expected)}`;
    case "gt":
      return num > Number(expected) ? null : `expected ${show(actual)} > ${expected}`;
    case "gte":
      return num >= Number(expected) ? null : `expected ${show(actual)} >= ${expected}`;
    case "lt":
      return num < Number(expected) ? null : `expected ${show(actual)} < ${expected}`;
    case "lte":
      return num <= Number(expected) ? null : `expected ${show(actual)} <= ${expected}`;
    case "length": {
      const len = Array.isArray(actual) || typeof actual === "string" ? actual.length : undefined;
      const problem = check(len, expected);
      return problem ? `length: ${problem}` : null;
    }
    case "exists":
      return (actual !== undefined && actual !== null) === Boolean(expected)
        ? null
        : `expected ${expected ? "a value" : "no value"}, got ${show(actual)}`;
    case "type":
      return typeName(actual) === expected
        ? null
        : `expected a ${expected}, got ${typeName(actual)}`;
    case "one_of":
      return Array.isArray(expected) && expected.some((e) => isDeepStrictEqual(e, actual))
        ? null
        : `expected one of ${show(expected)}, got ${show(actual)}`;
    case "not":
      return check(actual, expected) == null
        ? `expected not ${show(expected)}, got ${show(actual)}`
        : null;
    default:
      return `unknown operator "${op}"`;
  }
}

/** Checks `actual` against a matcher; returns the first failure text, or null when it holds. */
export function check(actual: unknown, matcher: unknown): string | null {
  if (!isOperatorObject(matcher)) {
    return isDeepStrictEqual(actual, matcher)
      ? null
      : `expected ${show(matcher)}, got ${show(actual)}`;
  }
  for (const [op, expected] of Object.entries(matcher)) {
    const problem = checkOperator(op, expected, actual);
    if (problem) return problem;
  }
  return null;
}

/** Checks every `path: matcher` pair of `spec` against `root`; returns failures as "path: why". */
export function checkPaths(root: unknown, spec: Record<string, unknown>, label: string): string[] {
  const failures: string[] = [];
  for (const [path, matcher] of Object.entries(spec)) {
    const problem = check(getPath(root, path), matcher);
    if (problem) failures.push(`${label} ${path}: ${problem}`);
  }
  return failures;
}
