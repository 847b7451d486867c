/**
 * Claims to an organization and a role, by the provider's declarative rules: pure, no I/O. The
 * claims must already be verified (signature, issuer, audience, time: src/sso/verify.ts for
 * bearer tokens; the browser flows for ID tokens and SAML assertions).
 *
 * Order: subject, the preset's required checks (Entra `tid`, Google `hd`), the email domain
 * restriction, groups overage, then the role rules (first match wins, else `default_role`).
 * A failed check is 401 (the credential is not one this server accepts); a valid caller without a
 * role, or one whose groups were left out of the token, is 403.
 */
import type { Role } from "../tenancy/roles.ts";
import type { RoleRule, SsoProvider } from "./provider.ts";

/** Why a caller was refused. */
export type RefusalCode =
  | "invalid_token"
  | "unknown_issuer"
  | "missing_subject"
  | "wrong_tenant"
  | "wrong_domain"
  | "email_unverified"
  | "groups_overage"
  | "no_role"
  | "not_provisioned"
  | "unknown_org"
  | (string & {});

/** A refusal: the HTTP status the edge answers with, a stable code and a message for the caller. */
export interface Refusal {
  status: 401 | 403;
  code: RefusalCode;
  message: string;
}

/** What the claims say, before provisioning. */
export interface MappedIdentity {
  providerId: string;
  subject: string;
  /** The `users.identity` of this caller: `sso:<provider id>:<subject>`. */
  identity: string;
  email?: string;
  displayName: string;
  groups: string[];
  orgId: string;
  role: Role;
}

/** A mapping or resolution result. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

const refuse = <T>(status: 401 | 403, code: RefusalCode, message: string): Outcome<T> => ({
  ok: false,
  refusal: { status, code, message },
});

function firstString(claims: Record<string, unknown>, names: string[]): string | undefined {
  for (const name of names) {
    const v = claims[name];
    if (typeof v === "string" && v.length > 0) return v;
    if (typeof v === "number") return String(v);
  }
  return undefined;
}

function groupsOf(claims: Record<string, unknown>, names: string[]): string[] {
  const out = new Set<string>();
  for (const name of names) {
    const v = claims[name];
    if (typeof v === "string") out.add(v);
    else if (Array.isArray(v)) for (const g of v) if (typeof g === "string") out.add(g);
  }
  return [...out];
}

/** Whether the token says groups were left out (Entra: `_claim_names.groups` or `hasgroups`). */
function groupsOverage(claims: Record<string, unknown>, markers: string[]): boolean {
  return markers.some((m) => {
    const v = claims[m];
    if (m === "_claim_names") return typeof v === "object" && v !== null && "groups" in v;
    return v === true || v === "true";
  });
}

function ruleMatches(
  rule: RoleRule,
  who: { subject: string; email?: string; groups: string[] },
): boolean {
  const domain = who.email?.split("@")[1];
  return (
    (rule.group === undefined || who.groups.includes(rule.group)) &&
    (rule.email === undefined || rule.email.toLowerCase() === who.email) &&
    (rule.email_domain === undefined || rule.email_domain.toLowerCase() === domain) &&
    (rule.subject === undefined || rule.subject === who.subject)
  );
}

function emailCheck(
  provider: SsoProvider,
  email: string | undefined,
  verified: unknown,
): Refusal | undefined {
  if (!provider.allowedDomains) return undefined;
  if (!email || !email.includes("@"))
    return { status: 401, code: "wrong_domain", message: "The token carries no email" };
  if (verified === false || verified === "false")
    return { status: 401, code: "email_unverified", message: "The email is not verified" };
  const domain = email.split("@")[1] ?? "";
  if (!provider.allowedDomains.includes(domain))
    return { status: 401, code: "wrong_domain", message: `Email domain ${domain} is not allowed` };
  return undefined;
}

/** Maps verified claims to an org and a role, or refuses. */
export function mapClaims(
  claims: Record<string, unknown>,
  provider: SsoProvider,
): Outcome<MappedIdentity> {
  const subject = firstString(claims, provider.claims.subject);
  if (!subject) return refuse(401, "missing_subject", "The token carries no subject");
  for (const check of provider.checks) {
    const v = claims[check.claim];
    const value = typeof v === "string" ? v.toLowerCase() : undefined;
    if (!value || !check.oneOf.some((allowed) => allowed.toLowerCase() === value))
      return refuse(401, check.code, `Claim ${check.claim} is not an accepted value`);
  }
  const email = firstString(claims, provider.claims.email)?.toLowerCase();
  const verifiedName = provider.claims.email_verified.find((n) => n in claims);
  const bad = emailCheck(provider, email, verifiedName ? claims[verifiedName] : undefined);
  if (bad) return { ok: false, refusal: bad };
  let groups = groupsOf(claims, provider.claims.groups);
  if (groupsOverage(claims, provider.overageMarkers)) {
    if (provider.groupsOverage === "refuse")
      return refuse(
        403,
        "groups_overage",
        "The token lists no groups (too many for the token); assign fewer groups or app roles",
      );
    groups = [];
  }
  const who = { subject, email, groups };
  const rule = provider.rules.find((r) => ruleMatches(r, who));
  const role = rule?.role ?? provider.defaultRole;
  if (!role) return refuse(403, "no_role", "No role is mapped to this identity");
  return {
    ok: true,
    value: {
      providerId: provider.id,
      subject,
      identity: `sso:${provider.id}:${subject}`,
      email,
      displayName: firstString(claims, provider.claims.name) ?? email ?? subject,
      groups,
      orgId: rule?.org_id ?? provider.orgId,
      role,
    },
  };
}
