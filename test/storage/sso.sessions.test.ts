/**
 * Browser sessions and the sign-in tables (issue 20) on PGlite and PostgreSQL, with a clock the
 * test moves: a session authenticates with the member's current role; it ends after the idle
 * timeout, after the absolute lifetime however busy, on revocation and when the membership goes;
 * rotation issues a new id, keeps the old one for the grace period only, and two rotations of the
 * same id cannot both win; pending sign-ins are single use and expire; assertion ids are accepted once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROTATION_GRACE_MS, SessionService } from "../../src/sso/browser/sessions.ts";
import { SsoStore } from "../../src/sso/browser/store.ts";
import type { StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";
import { TenancyRepository } from "../../src/tenancy/repository.ts";
import { createTestDatabase, dropTestDatabase, serverBackends } from "../support/server.ts";

const MIN = 60_000;

describe.each(await serverBackends("sso sessions"))("sso sessions (%s)", (backend) => {
  let handle: StorageHandle;
  let url: string | null = null;
  let store: SsoStore;
  let repo: TenancyRepository;
  let now = new Date("2026-01-01T00:00:00Z");
  const at = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  let sessions: SessionService;

  beforeAll(async () => {
    url = backend === "postgres" ? await createTestDatabase() : null;
    handle = await openStorage({ databaseUrl: url, dataDir: null, poolSize: 2 });
    store = new SsoStore(handle.db);
    repo = new TenancyRepository(handle.db);
    sessions = new SessionService(
      store,
      { idle_minutes: 30, absolute_hours: 2, rotate_minutes: 10 },
      () => now,
    );
  }, 120_000);
  afterAll(async () => {
    await handle?.close();
    if (url) await dropTestDatabase(url);
  }, 60_000);

  async function signIn(identity: string, role: "admin" | "viewer" = "admin") {
    const m = await repo.putMember("default", identity, role);
    const s = await sessions.create({
      provider: "okta",
      userId: m.user_id,
      identity,
      orgId: "default",
      role,
    });
    return { ...s, userId: m.user_id };
  }

  it("authenticates with the member's current role and checks the CSRF token", async () => {
    const s = await signIn("sso:okta:a");
    const live = await sessions.authenticate(s.id);
    expect(live?.caller).toMatchObject({ orgId: "default", role: "admin", identity: "sso:okta:a" });
    expect(sessions.csrfMatches(live!.row, s.csrfToken)).toBe(true);
    expect(sessions.csrfMatches(live!.row, `${s.csrfToken.slice(0, -1)}x`)).toBe(false);
    expect(sessions.csrfMatches(live!.row, undefined)).toBe(false);
    await repo.putMember("default", "sso:okta:a", "viewer");
    expect((await sessions.authenticate(s.id))?.caller.role).toBe("viewer");
    await repo.removeMember("default", s.userId);
    expect(await sessions.authenticate(s.id)).toBeUndefined();
    expect(await sessions.authenticate("x".repeat(43))).toBeUndefined();
  });

  it("ends after the idle timeout, not before", async () => {
    const idle = await signIn("sso:okta:b");
    const busy = await signIn("sso:okta:b2");
    at(29 * MIN);
    const live = await sessions.authenticate(busy.id);
    expect(live?.rotatedId).toBeDefined();
    at(2 * MIN); // 31 min since sign-in; 2 min since `busy` was used
    expect(await sessions.authenticate(idle.id)).toBeUndefined();
    expect(await sessions.authenticate(live!.rotatedId!)).toBeDefined();
  });

  it("ends at the absolute lifetime however busy, and rotates with a grace period", async () => {
    const s = await signIn("sso:okta:c");
    let id = s.id;
    for (let i = 0; i < 11; i++) {
      at(10 * MIN + 1000); // past rotate_minutes each time: a new id every request
      const live = await sessions.authenticate(id);
      expect(live?.rotatedId).toBeDefined();
      const old = id;
      id = live!.rotatedId!;
      // The old id still works during the grace period, without rotating again.
      at(ROTATION_GRACE_MS - 5000);
      const again = await sessions.authenticate(old);
      expect(again).toBeDefined();
      expect(again?.rotatedId).toBeUndefined();
      at(10_000);
      expect(await sessions.authenticate(old)).toBeUndefined();
      at(-ROTATION_GRACE_MS - 5000); // back to the rotation instant
    }
    // 11 x ~10 min later: still within 2 h; the next one passes the absolute lifetime.
    at(10 * MIN);
    expect(await sessions.authenticate(id)).toBeUndefined();
  });

  it("lets only one of two concurrent rotations win", async () => {
    const s = await signIn("sso:okta:d");
    at(11 * MIN);
    const [a, b] = await Promise.all([sessions.authenticate(s.id), sessions.authenticate(s.id)]);
    expect([a?.rotatedId, b?.rotatedId].filter(Boolean)).toHaveLength(1);
  });

  it("revokes one session or every session of a member", async () => {
    const one = await signIn("sso:okta:e");
    const two = await sessions.create({
      provider: "okta",
      userId: one.userId,
      identity: "sso:okta:e",
      orgId: "default",
      role: "admin",
    });
    expect(await sessions.revoke(one.sessionId, "other-org")).toBe(0);
    expect(await sessions.revoke(one.sessionId, "default")).toBe(1);
    expect(await sessions.authenticate(one.id)).toBeUndefined();
    expect(await sessions.authenticate(two.id)).toBeDefined();
    expect(await sessions.revokeUser("default", one.userId)).toBe(1);
    expect(await sessions.authenticate(two.id)).toBeUndefined();
  });

  it("uses a pending sign-in once and not after it expires", async () => {
    const row = (id: string, expires: Date) => ({
      request_id: id,
      provider: "okta",
      binding_hash: "h",
      code_verifier: "v",
      nonce: "n",
      return_to: "/admin/",
      expires_at: expires,
    });
    await store.saveLoginRequest(row("state-1", new Date(Date.now() + MIN)));
    expect((await store.takeLoginRequest("state-1", new Date()))?.code_verifier).toBe("v");
    expect(await store.takeLoginRequest("state-1", new Date())).toBeUndefined();
    await store.saveLoginRequest(row("state-2", new Date(Date.now() - 1000)));
    expect(await store.peekLoginRequest("state-2", new Date())).toBeUndefined();
    expect(await store.takeLoginRequest("state-2", new Date())).toBeUndefined();
  });

  it("accepts an assertion id once", async () => {
    const until = new Date(Date.now() + MIN);
    const results = await Promise.all([
      store.markUsed("saml:corp:_a1", until),
      store.markUsed("saml:corp:_a1", until),
    ]);
    expect(results.sort()).toEqual([false, true]);
    expect(await store.markUsed("saml:corp:_a2", until)).toBe(true);
  });
});
