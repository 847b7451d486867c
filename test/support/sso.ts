/**
 * SSO bearer test bed: one local `oidc-provider` per preset (test/support/oidc-idp.ts), each with
 * the issuer shape of the real provider (Okta `/oauth2/<id>`, Auth0 trailing `/`, Entra
 * `/<tid>/v2.0`, Google bare host), plus a rogue provider nobody trusts; an in-process server
 * (tenancy on, in-memory PGlite or a fresh PostgreSQL database, dropped on close) whose `sso` section trusts the five, each mapping into its own
 * organization. `close()` stops the server and every provider.
 */
import type { BuiltServer } from "../../src/main.ts";
import { ssoSchema } from "../../src/sso/config.ts";
import { TenancyRepository } from "../../src/tenancy/repository.ts";
import { buildTestServer } from "./in-process.ts";
import { startIdp, type TestIdp } from "./oidc-idp.ts";
import { createTestDatabase, dropTestDatabase } from "./server.ts";
import { TENANCY_CONFIG } from "./tenancy.ts";

export const AUDIENCE = "https://api.olg.test";
export const AZURE_TENANT = "4f1c2a9e-7d3b-4c1a-9e2f-8a6b5c4d3e21";
export const AUTH0_NS = "https://olg.example.com/";
export const AZURE_ADMIN_GROUP = "9b7c1e2d-aaaa-4bbb-8ccc-1d2e3f4a5b6c";

/** The providers by preset. */
export interface SsoBed {
  server: BuiltServer;
  repo: TenancyRepository;
  idps: Record<"okta" | "auth0" | "azure" | "google" | "generic" | "rogue", TestIdp>;
  /** A request with `Authorization: Bearer <token>`. */
  call(method: string, path: string, token: string, body?: unknown): Promise<Response>;
  /** Every `users.identity` and membership, to show a refusal wrote nothing. */
  snapshot(): Promise<string[]>;
  close(): Promise<void>;
}

function providers(idps: SsoBed["idps"]) {
  return ssoSchema.parse({
    providers: [
      {
        id: "okta",
        preset: "okta",
        org_id: "okta-org",
        domain: "acme.okta.com",
        issuer: idps.okta.issuer,
        audience: AUDIENCE,
        roles: [
          { group: "olg-admins", role: "admin" },
          { group: "olg-developers", role: "developer" },
        ],
        default_role: "viewer",
        // Rotation is checked on this provider: an unknown kid may refetch at once.
        jwks: { cooldown_seconds: 0 },
      },
      {
        id: "auth0",
        preset: "auth0",
        org_id: "auth0-org",
        domain: "acme.eu.auth0.com",
        issuer: idps.auth0.issuer,
        claims_namespace: AUTH0_NS,
        audience: AUDIENCE,
        roles: [
          { group: "olg-admin", role: "admin" },
          { group: "olg-user", role: "api_user" },
        ],
      },
      {
        id: "entra",
        preset: "azure-ad",
        org_id: "azure-org",
        tenant_id: AZURE_TENANT,
        issuer: idps.azure.issuer,
        audience: AUDIENCE,
        roles: [
          { group: AZURE_ADMIN_GROUP, role: "admin" },
          { group: "OLG.Developer", role: "developer" },
        ],
        default_role: "viewer",
      },
      {
        id: "google",
        preset: "google-workspace",
        org_id: "google-org",
        issuer: idps.google.issuer,
        audience: AUDIENCE,
        allowed_domains: ["acme.test"],
        roles: [{ email: "boss@acme.test", role: "admin" }],
        default_role: "developer",
      },
      {
        id: "generic",
        preset: "generic-oidc",
        org_id: "generic-org",
        issuer: idps.generic.issuer,
        audience: AUDIENCE,
        allowed_domains: ["generic.test"],
        roles: [{ email_domain: "generic.test", role: "viewer" }],
        clock_skew_seconds: 0,
      },
    ],
  });
}

/** Starts the providers and the server (with `authPath`, also a custom auth handler). */
export async function startSsoBed(
  options: { authPath?: string; backend?: "pglite" | "postgres" } = {},
): Promise<SsoBed> {
  const started: TestIdp[] = [];
  const start = async (path: string) => {
    const idp = await startIdp({ path, audience: AUDIENCE });
    started.push(idp);
    return idp;
  };
  let server: BuiltServer | undefined;
  const databaseUrl = options.backend === "postgres" ? await createTestDatabase("olg_sso") : null;
  const dropDb = async () => {
    if (databaseUrl) await dropTestDatabase(databaseUrl).catch(() => {});
  };
  try {
    const idps = {
      okta: await start("/oauth2/aus1olgtest"),
      auth0: await start("/"),
      azure: await start(`/${AZURE_TENANT}/v2.0`),
      google: await start(""),
      generic: await start("/realms/olg"),
      rogue: await start("/oauth2/aus1olgtest"),
    };
    const sso = providers(idps);
    server = await buildTestServer(TENANCY_CONFIG, (settings) => {
      settings.file.sso = sso;
      if (databaseUrl) settings.databaseUrl = databaseUrl;
      // A custom auth.path handler beside SSO (relative to the tenancy fixture's folder).
      if (options.authPath)
        settings.file.auth = { disable_studio_auth: false, path: options.authPath };
    });
    const repo = new TenancyRepository(server.storage.db);
    for (const org of ["okta-org", "auth0-org", "azure-org", "google-org", "generic-org"])
      await repo.createOrg({ org_id: org, name: org });
    const built = server;
    return {
      server: built,
      repo,
      idps,
      call: async (method, path, token, body) =>
        built.app.request(path, {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      async snapshot() {
        const rows = await built.storage.db
          .selectFrom("memberships as m")
          .innerJoin("users as u", "u.user_id", "m.user_id")
          .select(["u.identity", "m.org_id", "m.role"])
          .execute();
        const users = await built.storage.db.selectFrom("users").select("identity").execute();
        return [
          ...users.map((u) => `user ${u.identity}`),
          ...rows.map((r) => `${r.identity} ${r.org_id} ${r.role}`),
        ].sort();
      },
      async close() {
        await built.close();
        await Promise.all(started.map((idp) => idp.close()));
        await dropDb();
      },
    };
  } catch (error) {
    await server?.close();
    await Promise.all(started.map((idp) => idp.close()));
    await dropDb();
    throw error;
  }
}
