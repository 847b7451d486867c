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

/**
 * A filter over metadata-like documents: every key must match. `$or: [filter, ...]` matches when
 * one of its filters does, `$and: [filter, ...]` when all do; both nest (see `checkScopeFilter`).
 */
export type ScopeFilter = {
  [key: string]: ScopeCondition | ScopeFilter[] | undefined;
  $or?: ScopeFilter[];
  $and?: ScopeFilter[];
};

/** Size limits of a scope filter: nesting of `$or`/`$and`, and conditions in all. */
export const SCOPE_LIMITS = { depth: 4, conditions: 64, branches: 16 } as const;

/**
 * Validates a filter an auth handler returned: `$or`/`$and` take a non-empty array of filter
 * objects (at most `branches`), nest at most `depth` levels, and the whole filter holds at most
 * `conditions` key conditions. Throws an Error naming the rule broken; the authorizer turns it
 * into a 403 with that message (the request is refused before anything is read or written).
 */
export function checkScopeFilter(filter: ScopeFilter): void {
  let conditions = 0;
  const walk = (f: unknown, depth: number, where: string) => {
    if (typeof f !== "object" || f === null || Array.isArray(f))
      throw new Error(`Auth filter ${where} must be an object`);
    for (const [key, value] of Object.entries(f)) {
      if (key === "$or" || key === "$and") {
        if (depth >= SCOPE_LIMITS.depth)
          throw new Error(`Auth filter nests $or/$and deeper than ${SCOPE_LIMITS.depth} levels`);
        if (!Array.isArray(value) || value.length === 0)
          throw new Error(`Auth filter ${key} must be a non-empty array of filters`);
        if (value.length > SCOPE_LIMITS.branches)
          throw new Error(`Auth filter ${key} has more than ${SCOPE_LIMITS.branches} filters`);
        for (const [i, v] of value.entries()) walk(v, depth + 1, `${key}[${i}]`);
      } else if (key.startsWith("$")) {
        throw new Error(`Auth filter has an unknown operator ${key}`);
      } else if (++conditions > SCOPE_LIMITS.conditions) {
        throw new Error(`Auth filter has more than ${SCOPE_LIMITS.conditions} conditions`);
      }
    }
  };
  walk(filter, 0, "");
}

declare const scopeBrand: unique symbol;

/**
 * What services and repositories receive: a filter the auth layer checked, or `undefined` for
 * "no restriction". Branded: a plain object is not a `Scope`; only `toScope` (called by the
 * authorizer, `authorize.ts`) makes one, so no caller can pass an unchecked filter as a scope.
 */
export type Scope = (ScopeFilter & { readonly [scopeBrand]: true }) | undefined;

/**
 * The auth layer's constructor of a `Scope`: checks `filter` (`checkScopeFilter`, throws an Error
 * naming the rule broken) and brands it. `undefined` stays unrestricted.
 */
export function toScope(filter: ScopeFilter | undefined): Scope {
  if (filter === undefined) return undefined;
  checkScopeFilter(filter);
  return filter as Scope;
}

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
export function matchesScope(
  doc: Record<string, unknown> | undefined,
  scope: ScopeFilter | undefined,
): boolean {
  if (scope == null) return true;
  for (const [key, condition] of Object.entries(scope)) {
    if (key === "$or") {
      if (!(condition as ScopeFilter[]).some((f) => matchesScope(doc, f))) return false;
      continue;
    }
    if (key === "$and") {
      if (!(condition as ScopeFilter[]).every((f) => matchesScope(doc, f))) return false;
      continue;
    }
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
