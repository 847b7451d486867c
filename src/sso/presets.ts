/**
 * Identity-provider presets: what differs between Okta, Auth0, Entra ID, Google Workspace and a
 * generic OIDC or SAML provider, as DATA (claim names, issuer template, required checks), so the
 * verifier, the mapping and the browser sign-in have one code path for every provider. A provider
 * config (src/sso/config.ts) names a preset and may override any claim name.
 *
 * Templates use `{param}` with the provider's own fields (`domain`, `tenant_id`,
 * `authorization_server`, `claims_namespace`); a missing param is a config error.
 *
 * Sources of the quirks:
 * - Okta: custom authorization servers issue as `https://{domain}/oauth2/{id}` (`default` is the
 *   built-in one); groups come from a `groups` claim added on the server (Okta docs, "Customize
 *   tokens returned from Okta with a Groups claim"); in access tokens `uid` is the user id.
 * - Auth0: custom claims must be namespaced with a URL (`https://example.com/roles`), the issuer ends
 *   with `/` (Auth0 docs, "Create Custom Claims").
 * - Entra ID (Azure AD) v2: issuer `https://login.microsoftonline.com/{tid}/v2.0`; `oid` is the
 *   user's stable id in the tenant (`sub` is per application); `tid` names the tenant; above 200
 *   groups a JWT carries `_claim_names.groups` (or `hasgroups: true`) instead of `groups` (the
 *   "groups overage" claim, Microsoft identity platform docs, "Access token claims reference").
 * - Google Workspace: `hd` holds the Workspace domain (absent for consumer accounts); Google
 *   access tokens are opaque, so bearer callers send the ID token (aud = the OAuth client id).
 */
import type { Role } from "../tenancy/roles.ts";

/** The preset names a provider config may use. */
export const PRESET_NAMES = [
  "okta",
  "auth0",
  "azure-ad",
  "google-workspace",
  "generic-oidc",
  "generic-saml",
] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** A provider field a template or check may refer to. */
export type PresetParam = "domain" | "tenant_id" | "authorization_server" | "claims_namespace";

/**
 * Claim names, each a list tried in order (the first present wins; for groups every listed claim
 * is read and the values joined). Names are literal top-level claims: Auth0's are URLs with dots.
 */
export interface ClaimNames {
  subject: string[];
  email: string[];
  /** A boolean claim; `false` refuses a sign-in restricted by email domain. */
  email_verified: string[];
  name: string[];
  groups: string[];
}

/**
 * A required check on the verified claims (all must pass, else the caller is refused with 401):
 * - `equals_param`: the claim equals the provider's param (Entra `tid` = `tenant_id`);
 * - `in_allowed_domains`: the claim is one of the provider's `allowed_domains` (Google `hd`).
 */
export type ClaimCheck =
  | { claim: string; equals_param: PresetParam; code: string }
  | { claim: string; in_allowed_domains: true; code: string };

/** What a preset fixes. */
export interface Preset {
  protocol: "oidc" | "saml";
  /** The issuer when the provider gives none (`{param}` filled from the provider). */
  issuer?: string;
  /** Other `iss` values the provider's tokens may carry for that default issuer. */
  issuer_aliases?: string[];
  /** Params the preset cannot do without (config error when missing). */
  required: PresetParam[];
  /** Params the preset fills when the provider leaves them out. */
  defaults?: Partial<Record<PresetParam, string>>;
  /** Whether `allowed_domains` is required (a Google preset without it would let any domain in). */
  requires_allowed_domains: boolean;
  claims: ClaimNames;
  checks: ClaimCheck[];
  /**
   * Claims that say groups were left out of the token (Entra overage). With one present the
   * provider's `groups_overage` decides: refuse (default) or map without groups.
   */
  groups_overage_markers: string[];
  /** Signature algorithms accepted by default. */
  algorithms: string[];
  /** The role a preset suggests when no rule matches: none (refuse) for all. */
  default_role?: Role;
}

const standardClaims: ClaimNames = {
  subject: ["sub"],
  email: ["email"],
  email_verified: ["email_verified"],
  name: ["name", "preferred_username"],
  groups: ["groups"],
};

/** The presets. */
export const PRESETS: Record<PresetName, Preset> = {
  okta: {
    protocol: "oidc",
    issuer: "https://{domain}/oauth2/{authorization_server}",
    required: ["domain"],
    // The org authorization server's access tokens are for Okta's own APIs only.
    defaults: { authorization_server: "default" },
    requires_allowed_domains: false,
    // Access tokens: `uid` is the user id, `sub` the (changeable) login; ID tokens: `sub` is the id.
    claims: { ...standardClaims, subject: ["uid", "sub"] },
    checks: [],
    groups_overage_markers: [],
    algorithms: ["RS256"],
  },
  auth0: {
    protocol: "oidc",
    issuer: "https://{domain}/",
    required: ["domain", "claims_namespace"],
    requires_allowed_domains: false,
    claims: {
      ...standardClaims,
      email: ["email", "{claims_namespace}email"],
      email_verified: ["email_verified", "{claims_namespace}email_verified"],
      groups: ["{claims_namespace}roles", "{claims_namespace}groups"],
    },
    checks: [],
    groups_overage_markers: [],
    algorithms: ["RS256"],
  },
  "azure-ad": {
    protocol: "oidc",
    issuer: "https://login.microsoftonline.com/{tenant_id}/v2.0",
    required: ["tenant_id"],
    requires_allowed_domains: false,
    claims: {
      subject: ["oid"],
      email: ["email", "upn"],
      email_verified: [],
      name: ["name", "preferred_username"],
      groups: ["groups", "roles"],
    },
    checks: [{ claim: "tid", equals_param: "tenant_id", code: "wrong_tenant" }],
    groups_overage_markers: ["_claim_names", "hasgroups"],
    algorithms: ["RS256"],
  },
  "google-workspace": {
    protocol: "oidc",
    issuer: "https://accounts.google.com",
    // Google ID tokens carry either form (Google Identity docs, "Validating an ID token").
    issuer_aliases: ["accounts.google.com"],
    required: [],
    requires_allowed_domains: true,
    claims: { ...standardClaims, groups: [] },
    checks: [{ claim: "hd", in_allowed_domains: true, code: "wrong_domain" }],
    groups_overage_markers: [],
    algorithms: ["RS256"],
  },
  "generic-oidc": {
    protocol: "oidc",
    required: [],
    requires_allowed_domains: false,
    claims: standardClaims,
    checks: [],
    groups_overage_markers: [],
    algorithms: ["RS256", "ES256"],
  },
  "generic-saml": {
    protocol: "saml",
    required: [],
    requires_allowed_domains: false,
    claims: {
      subject: ["nameID"],
      email: ["email", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"],
      email_verified: [],
      name: ["displayName", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"],
      groups: ["groups", "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"],
    },
    checks: [],
    groups_overage_markers: [],
    algorithms: ["RS256"],
  },
};

/** Fills `{param}` in a template; returns the names of params that were missing. */
export function fillTemplate(
  template: string,
  params: Partial<Record<PresetParam, string>>,
): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = params[name as PresetParam];
    if (v == null) missing.push(name);
    return v ?? "";
  });
  return { value, missing };
}
