/**
 * The tenancy admin API (`tenancy.enabled`), for the admin UI and scripts: the caller's own
 * organization, its members and API keys. Every route needs `admin:*` (src/tenancy/roles.ts) and
 * works on the caller's org only (another org's key or member id is 404). Creating organizations
 * is for admins of the `default` org (the install's operators) and `olg org create`.
 */
import type { Context } from "hono";
import { z } from "zod";
import { conflict, forbidden, notFound } from "../../core/errors.ts";
import { ROLES } from "../../tenancy/roles.ts";
import type { TenancyService, TenantCaller } from "../../tenancy/service.ts";
import type { Api } from "../api.ts";

const role = z.enum(ROLES);
const keyBody = z
  .object({
    name: z.string().min(1).max(200),
    role,
    scopes: z.array(z.string().max(100)).max(50).nullish(),
    expires_at: z.iso.datetime({ offset: true }).nullish(),
  })
  .strict();
const quotas = z.record(z.string(), z.number().int().min(0));
const idParams = (name: string) => z.object({ [name]: z.string().min(1).max(200) });

function callerOf(c: Context): TenantCaller {
  const caller = c.get("tenant");
  if (!caller) throw forbidden();
  return caller;
}

/** Mounts `/admin/api/{org,orgs,members,keys}`. */
export function registerAdminTenancyRoutes(api: Api, service: TenancyService): void {
  const repo = service.repo;
  const tags = ["Admin"];
  api.route(
    { method: "get", path: "/admin/api/org", summary: "Get the caller's organization", tags },
    async (c) => {
      const org = await repo.getOrg(callerOf(c).orgId);
      if (!org) throw notFound("Organization not found");
      return c.json(org);
    },
  );
  api.route(
    {
      method: "patch",
      path: "/admin/api/org",
      summary: "Rename the organization or set its quotas",
      tags,
      body: z
        .object({ name: z.string().min(1).max(200).optional(), quotas: quotas.optional() })
        .strict(),
    },
    async (c, { body }) => {
      const org = await repo.updateOrg(callerOf(c).orgId, body);
      await service.keysChanged(); // cached key lookups carry the org's quotas
      return c.json(org);
    },
  );
  api.route(
    {
      method: "post",
      path: "/admin/api/orgs",
      summary:
        "Create an organization and its first admin key, shown once (admins of the default org)",
      tags,
      body: z
        .object({
          org_id: z
            .string()
            .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
            .optional(),
          name: z.string().min(1).max(200),
        })
        .strict(),
    },
    async (c, { body }) => {
      const caller = callerOf(c);
      if (caller.orgId !== "default")
        throw forbidden("Forbidden: only admins of the default organization create organizations");
      if (body.org_id && (await repo.getOrg(body.org_id)))
        throw conflict(`Organization ${body.org_id} already exists`);
      // With its first admin key: keys and members are made inside an org by its own admins.
      const { org, key, info } = await service.createOrgWithAdminKey(body, caller.identity);
      return c.json({ ...org, admin_key: { ...info, key } }, 201);
    },
  );
  api.route(
    { method: "get", path: "/admin/api/members", summary: "List members", tags },
    async (c) => c.json(await repo.listMembers(callerOf(c).orgId)),
  );
  api.route(
    {
      method: "put",
      path: "/admin/api/members",
      summary: "Add a member or change its role",
      tags,
      body: z
        .object({
          identity: z.string().min(1).max(500),
          role,
          display_name: z.string().max(200).optional(),
        })
        .strict(),
    },
    async (c, { body }) =>
      c.json(await repo.putMember(callerOf(c).orgId, body.identity, body.role, body.display_name)),
  );
  api.route(
    {
      method: "delete",
      path: "/admin/api/members/:user_id",
      summary: "Remove a member",
      tags,
      params: idParams("user_id"),
    },
    async (c, { params }) => {
      if (!(await repo.removeMember(callerOf(c).orgId, params.user_id)))
        throw notFound("Member not found");
      return c.body(null, 204);
    },
  );
  api.route(
    { method: "get", path: "/admin/api/keys", summary: "List API keys (never their secret)", tags },
    async (c) => c.json(await repo.listKeys(callerOf(c).orgId)),
  );
  api.route(
    {
      method: "post",
      path: "/admin/api/keys",
      summary: "Create an API key (its secret is shown once)",
      tags,
      body: keyBody,
    },
    async (c, { body }) => {
      const caller = callerOf(c);
      const { key, info } = await service.createKey(caller.orgId, {
        name: body.name,
        role: body.role,
        scopes: body.scopes ?? null,
        expiresAt: body.expires_at ? new Date(body.expires_at) : null,
        createdBy: caller.identity,
      });
      return c.json({ ...info, key }, 201);
    },
  );
  api.route(
    {
      method: "get",
      path: "/admin/api/keys/:key_id",
      summary: "Get an API key",
      tags,
      params: idParams("key_id"),
    },
    async (c, { params }) => {
      const info = await repo.getKey(callerOf(c).orgId, params.key_id);
      if (!info) throw notFound("API key not found");
      return c.json(info);
    },
  );
  api.route(
    {
      method: "delete",
      path: "/admin/api/keys/:key_id",
      summary: "Revoke an API key",
      tags,
      params: idParams("key_id"),
    },
    async (c, { params }) => {
      const info = await repo.revokeKey(callerOf(c).orgId, params.key_id, new Date());
      if (!info) throw notFound("API key not found");
      await service.keysChanged(); // revocation takes effect at once, on every replica
      return c.json(info);
    },
  );
  api.route(
    {
      method: "put",
      path: "/admin/api/keys/:key_id/quotas",
      summary: "Set an API key's quotas",
      tags,
      params: idParams("key_id"),
      body: quotas,
    },
    async (c, { params, body }) => {
      const info = await repo.setKeyQuotas(callerOf(c).orgId, params.key_id, body);
      if (!info) throw notFound("API key not found");
      await service.keysChanged();
      return c.json(info);
    },
  );
}
