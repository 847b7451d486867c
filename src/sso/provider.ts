/**
 * A provider config joined with its preset: templates filled, claim names final, checks bound to
 * values. Everything downstream (the bearer verifier, the mapping, browser sign-in) reads only
 * this shape, never the preset name.
 */
import type { Role } from "../tenancy/roles.ts";
import type { ProviderConfig, SsoConfig } from "./config.ts";
import {
  type ClaimNames,
  fillTemplate,
  PRESETS,
  type PresetName,
  type PresetParam,
} from "./presets.ts";

/** A check bound to its expected values (`tid` = the tenant id; `hd` in the allowed domains). */
export interface BoundCheck {
  claim: string;
  oneOf: string[];
  /** The refusal code when it fails (`wrong_tenant`, `wrong_domain`). */
  code: string;
}

/** A mapping rule (see `roles` in src/sso/config.ts). */
export interface RoleRule {
  group?: string;
  email?: string;
  email_domain?: string;
  subject?: string;
  role: Role;
  org_id?: string;
}

/** A resolved identity provider. */
export interface SsoProvider {
  id: string;
  preset: PresetName;
  protocol: "oidc" | "saml";
  orgId: string;
  /** Exactly as tokens carry it in `iss`. */
  issuer: string;
  /** Other accepted `iss` values (the preset's, for its default issuer only). */
  issuerAliases: string[];
  /** Accepted `aud` values (empty: the provider is for browser sign-in only). */
  audience: string[];
  clientId?: string;
  clientSecret?: string;
  jwksUri?: string;
  claims: ClaimNames;
  checks: BoundCheck[];
  /** Lowercase; undefined: any domain. */
  allowedDomains?: string[];
  rules: RoleRule[];
  defaultRole?: Role;
  jit: boolean;
  groupsOverage: "refuse" | "ignore_groups";
  overageMarkers: string[];
  algorithms: string[];
  clockSkewSeconds: number;
  jwks: { cacheMaxAgeSeconds: number; cooldownSeconds: number; timeoutMs: number };
}

function list(value: string | string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

/** Joins a provider config with its preset (the config was validated by `ssoSchema`). */
export function resolveProvider(config: ProviderConfig): SsoProvider {
  const preset = PRESETS[config.preset];
  const params: Partial<Record<PresetParam, string>> = { ...preset.defaults };
  for (const k of ["domain", "tenant_id", "authorization_server", "claims_namespace"] as const)
    if (config[k] != null) params[k] = config[k];
  const fill = (names: string[]) => names.map((n) => fillTemplate(n, params).value);
  const allowedDomains = config.allowed_domains?.map((d) => d.toLowerCase());
  const claims: ClaimNames = {
    subject: list(config.claims?.subject) ?? fill(preset.claims.subject),
    email: list(config.claims?.email) ?? fill(preset.claims.email),
    email_verified: list(config.claims?.email_verified) ?? fill(preset.claims.email_verified),
    name: list(config.claims?.name) ?? fill(preset.claims.name),
    groups: list(config.claims?.groups) ?? fill(preset.claims.groups),
  };
  const checks = preset.checks.map((check): BoundCheck => {
    if ("equals_param" in check)
      return { claim: check.claim, oneOf: [params[check.equals_param] ?? ""], code: check.code };
    return { claim: check.claim, oneOf: allowedDomains ?? [], code: check.code };
  });
  const issuer = config.issuer ?? fillTemplate(preset.issuer ?? "", params).value;
  return {
    id: config.id,
    preset: config.preset,
    protocol: preset.protocol,
    orgId: config.org_id,
    issuer,
    issuerAliases: config.issuer ? [] : (preset.issuer_aliases ?? []),
    audience: list(config.audience) ?? [],
    clientId: config.client_id,
    clientSecret: config.client_secret,
    jwksUri: config.jwks_uri,
    claims,
    checks,
    allowedDomains,
    rules: config.roles,
    defaultRole: config.default_role,
    jit: config.jit,
    groupsOverage: config.groups_overage,
    overageMarkers: preset.groups_overage_markers,
    algorithms: config.algorithms ?? preset.algorithms,
    clockSkewSeconds: config.clock_skew_seconds,
    jwks: {
      cacheMaxAgeSeconds: config.jwks.cache_max_age_seconds,
      cooldownSeconds: config.jwks.cooldown_seconds,
      timeoutMs: config.jwks.timeout_ms,
    },
  };
}

/** Every provider of an `sso` section. */
export function resolveProviders(config: SsoConfig | undefined): SsoProvider[] {
  return (config?.providers ?? []).map(resolveProvider);
}
