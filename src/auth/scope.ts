/**
 * The resolved authorization scope handed from routes to services to repositories. A scope is the
 * filter an auth handler returned (`{owner: "alice"}`, `{tags: {$contains: "x"}}`): rows whose
 * metadata does not match it behave as missing. `undefined` means unrestricted.
 */

/** One condition of a scope: plain equality, `$eq`, or `$contains` (one value or all of a list). */
export type ScopeCondition =
  | string
  | number
  | boolean
  | null
  | { $eq?: unknown; $contains?: unknown | unknown[] };

/** A filter over metadata-like documents (every key must match). */
export type ScopeFilter = Record<string, ScopeCondition>;

/** What services and repositories receive: a filter, or `undefined` for "no restriction". */
export type Scope = ScopeFilter | undefined;

/** The authenticated caller, normalised as the official server does. */
export interface AuthUser {
  identity: string;
  permissions: string[];
  display_name: string;
  is_authenticated: boolean;
  [key: string]: unknown;
}

/** The per-request auth context (`c.var.auth`). */
export interface AuthContext {
  user: AuthUser;
  /** The user's permissions (the official server calls them `scopes`). */
  permissions: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Whether a document matches a scope, in memory. Storage applies scopes in SQL
 * (`src/storage/sql/scope.ts`) with the same semantics; this is the reference those queries are
 * tested against, and what checks a value about to be written (store puts).
 */
export function matchesScope(doc: Record<string, unknown> | undefined, scope: Scope): boolean {
  if (scope == null) return true;
  for (const [key, condition] of Object.entries(scope)) {
    const actual = doc?.[key];
    if (isObject(condition) && ("$eq" in condition || "$contains" in condition)) {
      if ("$eq" in condition) {
        if (!sameJson(actual, condition.$eq)) return false;
      }
      if ("$contains" in condition) {
        if (!Array.isArray(actual)) return false;
        const wanted = Array.isArray(condition.$contains)
          ? condition.$contains
          : [condition.$contains];
        if (!wanted.every((w) => actual.some((a) => sameJson(a, w)))) return false;
      }
    } else if (!sameJson(actual, condition)) {
      return false;
    }
  }
  return true;
}
