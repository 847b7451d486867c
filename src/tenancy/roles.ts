/**
 * Roles and permissions. A permission is `resource:action`; every route maps to exactly one
 * (src/tenancy/route-permissions.ts), and a caller may use a route when its role grants that
 * permission and, for a key with scopes, one of its scopes covers it too (`threads:*`, `*:read`).
 *
 * | role      | reads | assistants/crons write | threads, runs, store, artifacts write | admin |
 * |-----------|-------|------------------------|---------------------------------------|-------|
 * | admin     | yes   | yes                    | yes                                   | yes   |
 * | developer | yes   | yes                    | yes                                   | no    |
 * | api_user  | yes   | no                     | yes                                   | no    |
 * | viewer    | yes   | no                     | no                                    | no    |
 *
 * `admin` covers the `/admin/...` API (orgs, members, keys, quotas, audit) and operator routes
 * (logs, metrics). The shape follows LangSmith's workspace roles (Admin / Editor / Viewer).
 */

/** The roles, most to least privileged. */
export const ROLES = ["admin", "developer", "api_user", "viewer"] as const;
/** A member's or key's role. */
export type Role = (typeof ROLES)[number];

/** What a permission is about. */
export const RESOURCES = [
  "assistants",
  "threads",
  "runs",
  "crons",
  "store",
  "artifacts",
  "admin",
] as const;
export type Resource = (typeof RESOURCES)[number];
/** `read` never changes data; `write` may. */
export type Action = "read" | "write";
/** `resource:action`. */
export type Permission = `${Resource}:${Action}`;

const all = (action: Action) =>
  RESOURCES.filter((r) => r !== "admin").map((r) => `${r}:${action}` as Permission);

const MATRIX: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set([...all("read"), ...all("write"), "admin:read", "admin:write"]),
  developer: new Set([...all("read"), ...all("write")]),
  api_user: new Set([
    ...all("read"),
    "threads:write",
    "runs:write",
    "store:write",
    "artifacts:write",
  ]),
  viewer: new Set(all("read")),
};

/** Whether `value` names a role. */
export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

const SORTED = new Map<Role, readonly Permission[]>();

/** The permissions a role grants, sorted (computed once per role: every request asks). */
export function rolePermissions(role: Role): readonly Permission[] {
  let sorted = SORTED.get(role);
  if (!sorted) {
    sorted = Object.freeze([...MATRIX[role]].sort());
    SORTED.set(role, sorted);
  }
  return sorted;
}

/** Whether a scope (`threads:read`, `threads:*`, `*:read`, `*:*`) covers a permission. */
export function scopeCovers(scope: string, permission: Permission): boolean {
  const [resource, action] = permission.split(":");
  const [r, a] = scope.split(":");
  return (r === "*" || r === resource) && (a === "*" || a === action);
}

/** Whether a scope string is well formed. */
export function isScope(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const [r, a, extra] = value.split(":");
  return (
    extra === undefined &&
    (r === "*" || (RESOURCES as readonly string[]).includes(r ?? "")) &&
    (a === "*" || a === "read" || a === "write")
  );
}

/** Whether a role (narrowed by a key's scopes, when it has any) grants a permission. */
export function permits(
  role: Role,
  scopes: readonly string[] | null | undefined,
  permission: Permission,
): boolean {
  if (!MATRIX[role].has(permission)) return false;
  return scopes == null || scopes.some((s) => scopeCovers(s, permission));
}
