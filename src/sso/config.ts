/**
 * The `sso` section of `open_langgraph.json`: identity providers, each belonging to one
 * organization, with a preset (src/sso/presets.ts), the provider's own fields, and a declarative
 * mapping of claims to a role. Validated once at load; errors name the key at fault
 * (`sso.providers.0.tenant_id: preset azure-ad needs tenant_id`). Needs `tenancy.enabled`.
 *
 * ```json
 * "sso": { "providers": [{
 *   "id": "okta", "preset": "okta", "org_id": "acme", "domain": "acme.okta.com",
 *   "audience": "api://open-langgraph", "allowed_domains": ["acme.com"],
 *   "roles": [{ "group": "olg-admins", "role": "admin" }, { "group": "eng", "role": "developer" }],
 *   "default_role": "viewer"
 * }] }
 * ```
 */
import { z } from "zod";
import { ROLES } from "../tenancy/roles.ts";
import { browserProviderFields, browserSettingsSchema } from "./browser/config.ts";
import { fillTemplate, PRESET_NAMES, PRESETS } from "./presets.ts";

/** Algorithms a provider may allow: asymmetric only (never `none`, never HS* with a public key). */
export const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;

const claimList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * One mapping rule: its conditions (all given must hold) and the role (and org) it grants. Rules
 * are tried in order; the first that matches decides.
 */
const roleRuleSchema = z
  .object({
    /** A value of the groups claim(s) (Okta group, Auth0 role, Entra group object id or app role). */
    group: z.string().min(1).optional(),
    /** The exact (case-insensitive) email. */
    email: z.string().min(3).optional(),
    /** The email's domain (`acme.com`). */
    email_domain: z.string().min(1).optional(),
    /** The subject (after the preset's subject claim). */
    subject: z.string().min(1).optional(),
    role: z.enum(ROLES),
    /** The org this rule grants (default: the provider's `org_id`). */
    org_id: z.string().min(1).optional(),
  })
  .strict();

const providerSchema = z
  .object({
    /** Stable id: part of every provisioned user's identity (`sso:<id>:<subject>`). */
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lowercase letters, digits, - and _"),
    preset: z.enum(PRESET_NAMES),
    /** The organization users of this provider land in (unless a rule names another). */
    org_id: z.string().min(1),
    /** The issuer exactly as in the tokens' `iss`; default from the preset's template. */
    issuer: z.string().url().optional(),
    /** Okta / Auth0 host (`acme.okta.com`, `acme.eu.auth0.com`). */
    domain: z.string().min(1).optional(),
    /** Okta custom authorization server id (default `default`). */
    authorization_server: z.string().min(1).optional(),
    /** Entra ID tenant (directory) id; tokens must carry it as `tid`. */
    tenant_id: z.string().min(1).optional(),
    /** Auth0: the URL prefix of custom claims (`https://example.com/`). */
    claims_namespace: z.string().url().optional(),
    /** Accepted `aud` values of bearer tokens (API identifier / app id URI / client id). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** OAuth client for browser sign-in (src/sso browser flows). */
    client_id: z.string().min(1).optional(),
    client_secret: z.string().min(1).optional(),
    /** JWKS location when the provider has no discovery document. */
    jwks_uri: z.string().url().optional(),
    /** Claim-name overrides (each a name or names tried in order). */
    claims: z
      .object({
        subject: claimList.optional(),
        email: claimList.optional(),
        email_verified: claimList.optional(),
        name: claimList.optional(),
        groups: claimList.optional(),
      })
      .strict()
      .optional(),
    /** Email domains allowed to sign in (lowercase); absent: any. */
    allowed_domains: z.array(z.string().min(1)).min(1).optional(),
    roles: z.array(roleRuleSchema).default([]),
    /** Role when no rule matches; absent: such callers are refused (403). */
    default_role: z.enum(ROLES).optional(),
    /** Admin UI sign-in: button label, OIDC scopes, SAML settings (src/sso/browser/config.ts). */
    ...browserProviderFields,
    /** Create the user and membership on first sign-in (default true). */
    jit: z.boolean().default(true),
    /** Entra groups overage: refuse (default) or map without groups. */
    groups_overage: z.enum(["refuse", "ignore_groups"]).default("refuse"),
    algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS)).min(1).optional(),
    /** Tolerance on `exp`/`nbf`/`iat` (seconds, default 60). */
    clock_skew_seconds: z.number().int().min(0).max(600).default(60),
    jwks: z
      .object({
        /** How long fetched keys are trusted without a refetch (default 600). */
        cache_max_age_seconds: z.number().int().min(1).max(86400).default(600),
        /** Least time between two refetches triggered by unknown key ids (default 30). */
        cooldown_seconds: z.number().min(0).max(3600).default(30),
        /** Fetch timeout (default 5000 ms). */
        timeout_ms: z.number().int().min(100).max(60000).default(5000),
      })
      .strict()
      .default({ cache_max_age_seconds: 600, cooldown_seconds: 30, timeout_ms: 5000 }),
  })
  .strict();

/** A provider as configured. */
export type ProviderConfig = z.infer<typeof providerSchema>;

function checkProvider(p: ProviderConfig, ctx: z.RefinementCtx, at: (string | number)[]): void {
  const preset = PRESETS[p.preset];
  const params = { ...preset.defaults, ...p };
  for (const name of preset.required)
    if (params[name] == null)
      ctx.addIssue({
        code: "custom",
        path: [...at, name],
        message: `preset ${p.preset} needs ${name}`,
      });
  if (preset.requires_allowed_domains && !p.allowed_domains)
    ctx.addIssue({
      code: "custom",
      path: [...at, "allowed_domains"],
      message: `preset ${p.preset} needs allowed_domains (the Workspace domains whose users may sign in)`,
    });
  if (!p.issuer && !preset.issuer)
    ctx.addIssue({
      code: "custom",
      path: [...at, "issuer"],
      message: `preset ${p.preset} needs issuer`,
    });
  if (!p.issuer && preset.issuer) {
    const { missing } = fillTemplate(preset.issuer, params);
    if (missing.length > 0 && preset.required.every((r) => params[r] != null))
      ctx.addIssue({
        code: "custom",
        path: [...at, "issuer"],
        message: `needs issuer or ${missing.join(", ")}`,
      });
  }
  if (preset.protocol === "oidc" && !p.audience && !p.client_id)
    ctx.addIssue({
      code: "custom",
      path: [...at, "audience"],
      message: "needs audience (bearer tokens) or client_id (browser sign-in)",
    });
  p.roles.forEach((rule, i) => {
    if (!rule.group && !rule.email && !rule.email_domain && !rule.subject)
      ctx.addIssue({
        code: "custom",
        path: [...at, "roles", i],
        message: "a rule needs a condition: group, email, email_domain or subject",
      });
  });
}

/** The `sso` section. */
export const ssoSchema = z
  .object({
    providers: z.array(providerSchema).min(1),
    /** Admin UI sign-in: public URL and session lifetimes (src/sso/browser/config.ts). */
    browser: browserSettingsSchema.optional(),
  })
  .strict()
  .superRefine((sso, ctx) => {
    const seen = new Set<string>();
    sso.providers.forEach((p, i) => {
      if (seen.has(p.id))
        ctx.addIssue({
          code: "custom",
          path: ["providers", i, "id"],
          message: `duplicate provider id ${p.id}`,
        });
      seen.add(p.id);
      checkProvider(p, ctx, ["providers", i]);
    });
  });

/** The parsed `sso` section. */
export type SsoConfig = z.infer<typeof ssoSchema>;
