/**
 * `GET /admin/me`'s derivation of a role from the current auth (src/http/routes/admin-me.ts): no
 * auth module → admin; the user's own `role`; else from the permissions.
 */
import { describe, expect, it } from "vitest";
import { meOf, roleOf } from "../../src/http/routes/admin-me.ts";

const user = (identity: string, permissions: string[], extra: Record<string, unknown> = {}) => ({
  permissions,
  user: { identity, permissions, display_name: identity, is_authenticated: true, ...extra },
});

describe("roleOf", () => {
  it("reads admin, developer, viewer and api_user from permissions", () => {
    expect(roleOf(["read", "admin"])).toBe("admin");
    expect(roleOf(["read", "write"])).toBe("developer");
    expect(roleOf(["threads:read", "threads:create"])).toBe("developer");
    expect(roleOf(["assistants:*"])).toBe("developer");
    expect(roleOf(["read"])).toBe("viewer");
    expect(roleOf(["threads:read", "assistants:search"])).toBe("viewer");
    expect(roleOf([])).toBe("api_user");
    expect(roleOf(["billing"])).toBe("api_user");
    // "readme" is not "read": a recognised action must be the whole word.
    expect(roleOf(["readme", "overwrite"])).toBe("api_user");
  });

  it("takes the user's declared role when it names one", () => {
    expect(roleOf(["admin"], "viewer")).toBe("viewer");
    expect(roleOf(["read"], "owner")).toBe("viewer");
  });
});

describe("meOf", () => {
  it("is an anonymous admin without an auth module", () => {
    expect(meOf(undefined, false)).toEqual({
      identity: "anonymous",
      role: "admin",
      permissions: ["admin"],
    });
  });

  it("reports the authenticated caller's identity and permissions verbatim", () => {
    expect(meOf(user("ann", ["read"]), true)).toEqual({
      identity: "ann",
      role: "viewer",
      permissions: ["read"],
    });
    expect(meOf(user("bob", ["x"], { role: "developer" }), true).role).toBe("developer");
    expect(meOf(user("studio", [], { kind: "StudioUser" }), true).role).toBe("developer");
    // A tenancy key authenticates without an auth module; its role is on the user.
    expect(meOf(user("key:ci", ["viewer", "threads:read"], { role: "viewer" }), false)).toEqual({
      identity: "key:ci",
      role: "viewer",
      permissions: ["viewer", "threads:read"],
    });
    expect(meOf(undefined, true)).toEqual({
      identity: "anonymous",
      role: "api_user",
      permissions: [],
    });
  });
});
