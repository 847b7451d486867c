/**
 * `GET /admin/me`: who the caller is and what the admin UI may offer them, derived from the current
 * auth. Shape (stable; documented in docs/admin-ui.md; `org_id`/`key_id` with tenancy on):
 *
 *   { identity: string, role: "admin" | "developer" | "viewer" | "api_user", permissions: string[] }
 *
 * - No auth module: the whole API is open, so the caller is `{identity: "anonymous", role: "admin",
 *   permissions: ["admin"]}` (an auth module without `authenticate`: anonymous api_user).
 * - With an auth module (`auth.path`) or a tenancy API key (`tenancy.enabled`, src/http/tenancy.ts,
 *   which sets the key's `role` on the user): `identity` and `permissions` are the authenticated
 *   caller's (verbatim). `role` is the user's own `role` field when it names one of the four roles;
 *   otherwise it is read from the permissions: `admin` → admin; `write` or any `<resource>:write` /
 *   `:create` / `:update` / `:delete` → developer; `read` or `<resource>:read` only → viewer;
 *   anything else (no permission we recognise: the handler's `on()` callbacks decide per request) →
 *   api_user. The Studio user (LangSmith key) is a developer.
 *
 * The role only drives what the UI shows (a viewer sees no edit buttons); every route still
 * enforces the auth module's decision, so a viewer's edit is refused by the server anyway.
 * Authenticated like every route (401 without valid credentials); it reveals only the caller's own
 * identity, so it needs no extra permission.
 */
import { z } from "zod";
import type { AuthContext } from "../../auth/scope.ts";
import type { Api } from "../api.ts";

/** The roles of the admin UI (the same names as organizations' roles, issue 19). */
export const ROLES = ["admin", "developer", "viewer", "api_user"] as const;
export type Role = (typeof ROLES)[number];

/** What `GET /admin/me` answers. */
export interface Me {
  identity: string;
  role: Role;
  permissions: string[];
  /** Tenancy on: the caller's organization, and the key it used (null for a member). */
  org_id?: string;
  key_id?: string | null;
}

const WRITE_ACTIONS = /(^|:)(write|create|update|delete|\*)$/;
const READ_ACTIONS = /(^|:)(read|search)$/;

/** The role of a caller's permissions (see the module comment for the rules). */
export function roleOf(permissions: readonly string[], declared?: unknown): Role {
  if (typeof declared === "string" && (ROLES as readonly string[]).includes(declared))
    return declared as Role;
  if (permissions.includes("admin")) return "admin";
  if (permissions.some((p) => WRITE_ACTIONS.test(p))) return "developer";
  if (permissions.some((p) => READ_ACTIONS.test(p))) return "viewer";
  return "api_user";
}

/** The caller as `GET /admin/me` reports them; `auth` undefined means no auth module. */
export function meOf(auth: AuthContext | undefined, authEnabled: boolean): Me {
  if (auth) {
    const { user, permissions } = auth;
    const role = user.kind === "StudioUser" ? "developer" : roleOf(permissions, user.role);
    return { identity: user.identity, role, permissions: [...permissions] };
  }
  if (!authEnabled) return { identity: "anonymous", role: "admin", permissions: ["admin"] };
  // An auth module without `authenticate` (only `on()` handlers): nothing known about the caller.
  return { identity: "anonymous", role: "api_user", permissions: [] };
}

const meSchema = z.object({
  identity: z.string(),
  role: z.enum(ROLES),
  permissions: z.array(z.string()),
  org_id: z.string().optional(),
  key_id: z.string().nullable().optional(),
});

/** Registers `GET /admin/me`. */
export function registerAdminMeRoute(api: Api, o: { authEnabled: boolean }): void {
  api.route(
    {
      method: "get",
      path: "/admin/me",
      summary: "The caller's identity, role and permissions",
      tags: ["Admin"],
      response: meSchema,
      permission: "authenticated", // only the caller's own identity
    },
    (c) => {
      const tenant = c.get("tenant");
      if (!tenant) return c.json(meOf(c.get("auth"), o.authEnabled));
      const me = meOf(c.get("auth"), true);
      const key_id = tenant.actor.kind === "key" ? tenant.actor.id : null;
      return c.json({ ...me, role: tenant.role, org_id: tenant.orgId, key_id });
    },
  );
}
