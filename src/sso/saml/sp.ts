/**
 * SAML 2.0 service provider (Web Browser SSO profile) through `@node-saml/node-saml`: the
 * AuthnRequest (HTTP-Redirect binding), our metadata, and the checks of a response posted to the
 * ACS (HTTP-POST binding). node-saml verifies the XML signatures against the IdP's certificate,
 * requires the assertion itself to be signed (`wantAssertionsSigned`; a signed response around an
 * unsigned assertion is refused too), checks NotBefore/NotOnOrAfter with the clock skew, the
 * audience (our entity id) and InResponseTo (against the pending request, single use). On top,
 * here (SAML 2.0 core §2.3.3, profiles §4.1.4.3): the assertion's issuer is the IdP's entity id,
 * a bearer SubjectConfirmationData's Recipient is our ACS URL, the response's Destination (when
 * present) is our ACS URL, and the assertion id was never accepted before (replay cache).
 */
import { type CacheProvider, type Profile, SAML, ValidateInResponseTo } from "@node-saml/node-saml";
import type { SamlProviderSettings } from "../browser/config.ts";

/** The SP's URLs for a provider at an origin. */
export interface SpUrls {
  entityId: string;
  acsUrl: string;
  metadataUrl: string;
}

/** Our URLs for `provider` when reached at `origin`. */
export function spUrls(provider: SamlProviderSettings, origin: string): SpUrls {
  const base = `${origin}/admin/sso/${provider.id}`;
  return {
    entityId: provider.saml.sp_entity_id ?? `${base}/metadata`,
    acsUrl: `${base}/acs`,
    metadataUrl: `${base}/metadata`,
  };
}

const pem = (cert: string) =>
  cert.includes("BEGIN CERTIFICATE")
    ? cert
    : `-----BEGIN CERTIFICATE-----\n${cert.replace(/\s+/g, "")}\n-----END CERTIFICATE-----`;

/** A node-saml instance for one request (the cache hooks are per request). */
export function samlFor(
  provider: SamlProviderSettings,
  urls: SpUrls,
  cache: CacheProvider,
  requestTtlMs: number,
): SAML {
  const { idp_cert } = provider.saml;
  const certs = Array.isArray(idp_cert) ? idp_cert : [idp_cert];
  return new SAML({
    entryPoint: provider.saml.entry_point,
    issuer: urls.entityId,
    audience: urls.entityId,
    callbackUrl: urls.acsUrl,
    idpCert: certs.map(pem),
    identifierFormat: provider.saml.name_id_format,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: provider.clockSkewSeconds * 1000,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: requestTtlMs,
    cacheProvider: cache,
    disableRequestedAuthnContext: true,
    signatureAlgorithm: "sha256",
  });
}

/** Our SP metadata (entity id, ACS with HTTP-POST, NameID format, WantAssertionsSigned). */
export function spMetadata(provider: SamlProviderSettings, urls: SpUrls): string {
  const noCache: CacheProvider = {
    saveAsync: async () => null,
    getAsync: async () => null,
    removeAsync: async () => null,
  };
  return samlFor(provider, urls, noCache, 1).generateServiceProviderMetadata(null, null);
}

type Xml = Record<string, any>;
const first = (v: unknown): Xml | undefined => (Array.isArray(v) ? v[0] : undefined);

/** What the extra checks found: the assertion's id and how long it must be remembered. */
export interface AssertionFacts {
  assertionId: string;
  expiresAt: Date;
}

/** The checks node-saml leaves to us (see the module comment); throws on the first failure. */
export function checkAssertion(
  provider: SamlProviderSettings,
  urls: SpUrls,
  profile: Profile,
  now: Date,
): AssertionFacts {
  if (profile.issuer !== provider.idpIssuer) throw new Error("assertion issuer is not the IdP");
  const assertion = (profile.getAssertion?.() as Xml | undefined)?.Assertion as Xml | undefined;
  const assertionId: unknown = assertion?.$?.ID;
  if (typeof assertionId !== "string" || !assertionId) throw new Error("assertion has no ID");
  const confirmations: Xml[] = first(assertion?.Subject)?.SubjectConfirmation ?? [];
  const recipients = confirmations
    .map((sc) => first(sc.SubjectConfirmationData)?.$?.Recipient)
    .filter((r): r is string => typeof r === "string");
  if (recipients.length === 0 || !recipients.every((r) => r === urls.acsUrl))
    throw new Error("SubjectConfirmationData Recipient is not our ACS URL");
  const destination = rootAttribute(profile.getSamlResponseXml?.() ?? "", "Destination");
  if (destination !== undefined && destination !== urls.acsUrl)
    throw new Error("response Destination is not our ACS URL");
  const notOnOrAfter = first(assertion?.Conditions)?.$?.NotOnOrAfter;
  const until = typeof notOnOrAfter === "string" ? Date.parse(notOnOrAfter) : Number.NaN;
  const expiresAt = new Date(
    (Number.isFinite(until) ? until : now.getTime() + 3_600_000) + provider.clockSkewSeconds * 1000,
  );
  return { assertionId, expiresAt };
}

/** An attribute of the document's root element (the `<samlp:Response>` start tag). */
function rootAttribute(xml: string, name: string): string | undefined {
  const tag = xml.match(/^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<[\w:.-]+(\s[^>]*)?>/);
  const m = tag?.[1]?.match(new RegExp(`\\s${name}\\s*=\\s*(["'])(.*?)\\1`));
  return m ? m[2]!.replace(/&amp;/g, "&") : undefined;
}

/**
 * The assertion as claims for the mapping (src/sso/mapping.ts through the generic-saml preset):
 * every attribute by its Name, `nameID` (and its format), and `email` from the NameID when it is
 * an e-mail address and no attribute gives one.
 */
export function claimsOf(profile: Profile): Record<string, unknown> {
  const attributes = (profile.attributes as Record<string, unknown> | undefined) ?? {};
  const emailFormat = profile.nameIDFormat?.endsWith(":emailAddress");
  return {
    ...attributes,
    nameID: profile.nameID,
    nameIDFormat: profile.nameIDFormat,
    email: attributes.email ?? profile.email ?? (emailFormat ? profile.nameID : undefined),
  };
}
