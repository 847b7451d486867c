/**
 * The tenancy edge's own cost on a request with a cached key and no quota (issue 19's cost goal).
 * With tenancy on, an AsyncLocalStorage is in use and on Node 20/22 every promise the process makes
 * then pays its hooks, so the key check, the role check and the org switch must add no promise of
 * their own: counted here (async_hooks `PROMISE` inits) beside the same app without the two
 * middlewares. Also: the org and the audit record travel in one storage (withOrg keeps the record,
 * withAudit keeps the org).
 */
import { createHook } from "node:async_hooks";
import { Hono, type MiddlewareHandler } from "hono";
import { describe, expect, it } from "vitest";
import type { RouteSpec } from "../../src/http/api.ts";
import { apiKeyAuth, tenantGate } from "../../src/http/tenancy.ts";
import { permissionLookup } from "../../src/http/tenancy-permissions.ts";
import { PendingAudit, pendingAudit, withAudit } from "../../src/tenancy/audit/context.ts";
import { currentOrg, withOrg } from "../../src/tenancy/context.ts";
import { KeyCache } from "../../src/tenancy/key-cache.ts";
import { generateApiKey } from "../../src/tenancy/keys.ts";
import { MemoryRateLimiter } from "../../src/tenancy/rate-limit.ts";
import type { TenancyRepository } from "../../src/tenancy/repository.ts";
import { TenancyService, type TenantCaller } from "../../src/tenancy/service.ts";

const route = {
  method: "get",
  path: "/assistants/:assistant_id",
  summary: "",
  tags: ["Assistants"],
} as RouteSpec;

/** Promises created while `fn` runs (this test awaits nothing else meanwhile). */
async function promisesDuring(fn: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === "PROMISE") n++;
    },
  }).enable();
  try {
    await fn();
  } finally {
    hook.disable();
  }
  return n;
}

function apps() {
  const caller: TenantCaller = {
    orgId: "org-a",
    role: "viewer",
    scopes: null,
    actor: { kind: "key", id: "k1" },
    identity: "key:k1",
    quotas: { org: {}, key: {} },
  };
  const keys = new KeyCache<TenantCaller>();
  const { key } = generateApiKey();
  keys.set(key, caller, null, keys.generation);
  // A cached key never reaches the repository (a hit is the case measured).
  const service = new TenancyService({} as TenancyRepository, undefined, keys);
  const seen: string[] = [];
  const handler = (c: { json(v: unknown): Response }) => {
    seen.push(currentOrg());
    return c.json({ ok: true });
  };
  // Both apps have middleware before the route, as the server has (Hono composes either way).
  const before: MiddlewareHandler = async function observe(_c, next) {
    await next();
  };
  const on = new Hono()
    .use(before)
    .use(apiKeyAuth(service))
    .use(
      tenantGate({
        service,
        limiter: new MemoryRateLimiter(),
        permissionOf: permissionLookup([route]),
      }),
    )
    .get("/assistants/:assistant_id", handler);
  const off = new Hono().use(before).get("/assistants/:assistant_id", handler);
  return { on, off, key, seen };
}

describe("tenancy edge cost", () => {
  it("a cached key, a role check and the org switch add only what two synchronous middlewares add", async () => {
    const { on, off, key, seen } = apps();
    const get = (app: Hono, headers: Record<string, string>) => async () => {
      const res = await app.request("/assistants/a1", { headers });
      expect(res.status).toBe(200);
    };
    for (let i = 0; i < 3; i++) await get(on, { "x-api-key": key })(); // warm (lazy route index)
    const withTenancy = await promisesDuring(get(on, { "x-api-key": key }));
    const without = await promisesDuring(get(off, {}));
    expect(seen.at(-2)).toBe("org-a"); // the handler ran in the key's org
    // Hono's compose makes 2 promises per middleware however small; the edge adds none of its own
    // (it added 16 with async middlewares awaiting the key, the caller and the rate limit).
    expect(withTenancy - without, `${withTenancy} vs ${without}`).toBeLessThanOrEqual(4);
  });

  it("carries the org and the audit record in one frame: each keeps the other", async () => {
    const audit = new PendingAudit(
      {
        org_id: "org-a",
        actor_kind: "key",
        actor_id: "k1",
        method: "POST",
        route: "/threads",
        resource: "threads",
        resource_id: null,
        action: "create",
        ip: null,
        user_agent: null,
      },
      "thread_id",
    );
    await withOrg("org-a", () =>
      withAudit(audit, async () => {
        await Promise.resolve();
        expect(currentOrg()).toBe("org-a");
        expect(pendingAudit()).toBe(audit);
        await withOrg("*", async () => {
          expect(currentOrg()).toBe("*");
          expect(pendingAudit()).toBe(audit);
        });
      }),
    );
    expect(currentOrg()).toBe("*");
    expect(pendingAudit()).toBeUndefined();
  });
});
