/** Tenancy building blocks: key format and hashing, credential headers, the role matrix, route permissions. */
import { describe, expect, it } from "vitest";
import { apiKeyOf, generateApiKey, hashApiKey } from "../../src/tenancy/keys.ts";
import { isScope, permits, rolePermissions } from "../../src/tenancy/roles.ts";
import { routePermission } from "../../src/tenancy/route-permissions.ts";

describe("API keys", () => {
  it("are olg_ + 256 random bits, hashed with sha256, distinct", () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).toMatch(/^olg_[A-Za-z0-9_-]{43}$/);
    expect(a.key).not.toBe(b.key);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.prefix).toBe(a.key.slice(0, 12));
  });
  it("are read from x-api-key or a Bearer token, and only when they are ours", () => {
    const { key } = generateApiKey();
    expect(apiKeyOf(new Headers({ "x-api-key": key }))).toBe(key);
    expect(apiKeyOf(new Headers({ authorization: `Bearer ${key}` }))).toBe(key);
    expect(apiKeyOf(new Headers({ authorization: "Bearer some-jwt" }))).toBeUndefined();
    expect(apiKeyOf(new Headers({ "x-api-key": "lsv2_xyz" }))).toBeUndefined();
  });
});

describe("roles", () => {
  it("grant what the matrix says", () => {
    expect(permits("viewer", null, "threads:read")).toBe(true);
    expect(permits("viewer", null, "threads:write")).toBe(false);
    expect(permits("api_user", null, "runs:write")).toBe(true);
    expect(permits("api_user", null, "assistants:write")).toBe(false);
    expect(permits("developer", null, "crons:write")).toBe(true);
    expect(permits("developer", null, "admin:read")).toBe(false);
    expect(rolePermissions("admin")).toContain("admin:write");
  });
  it("are narrowed by scopes, never widened", () => {
    expect(permits("developer", ["threads:*"], "threads:write")).toBe(true);
    expect(permits("developer", ["threads:*"], "runs:read")).toBe(false);
    expect(permits("viewer", ["*:*"], "threads:write")).toBe(false);
    expect(isScope("store:read")).toBe(true);
    expect(isScope("store:delete")).toBe(false);
    expect(isScope("nope")).toBe(false);
  });
});

describe("route permissions", () => {
  it.each([
    ["get", "/threads/:thread_id", "threads:read"],
    ["post", "/threads/search", "threads:read"],
    ["post", "/threads/:thread_id/history", "threads:read"],
    ["post", "/threads", "threads:write"],
    ["post", "/threads/:thread_id/runs/wait", "runs:write"],
    ["get", "/threads/:thread_id/runs/:run_id/stream", "runs:read"],
    ["post", "/threads/:thread_id/runs/crons", "crons:write"],
    ["post", "/runs/crons/search", "crons:read"],
    ["put", "/store/items", "store:write"],
    ["post", "/store/namespaces", "store:read"],
    ["get", "/admin/api/logs", "admin:read"],
    ["post", "/internal/truncate", "admin:write"],
    ["get", "/info", "authenticated"],
    ["get", "/somewhere/new", "admin:read"],
  ])("%s %s needs %s", (method, path, expected) => {
    expect(routePermission({ method, path })).toBe(expected);
  });
  it("takes a route's declared permission first", () => {
    expect(routePermission({ method: "post", path: "/x", permission: "runs:write" })).toBe(
      "runs:write",
    );
  });
});
