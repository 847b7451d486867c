/**
 * Browser sign-in settings inside the `sso` section (src/sso/config.ts), docs/sso/browser.md:
 * - `sso.browser`: where users reach the server and how long sessions live.
 * - per provider: `name` (the button label), `scopes` (OIDC), and `saml` (SAML providers: the
 *   IdP's sign-on URL and signing certificate, our entity id). OIDC providers with a `client_id`
 *   and SAML providers with `saml` are offered on the admin UI's sign-in page.
 *
 * ```json
 * "sso": {
 *   "browser": { "public_url": "https://olg.example.com",
 *                "session": { "idle_minutes": 60, "absolute_hours": 12, "rotate_minutes": 15 } },
 *   "providers": [
 *     { "id": "okta", "preset": "okta", "domain": "acme.okta.com", "org_id": "acme",
 *       "client_id": "0oa…", "client_secret": "…", "name": "Okta", … },
 *     { "id": "corp", "preset": "generic-saml", "issuer": "http://www.okta.com/exk…", "org_id": "acme",
 *       "saml": { "entry_point": "https://acme.okta.com/app/…/sso/saml", "idp_cert": "MIIC…" }, … }
 *   ]
 * }
 * ```
 */
import { z } from "zod";

export const sessionTimesSchema = z
  .object({
    /** A session unused this long ends (minutes). */
    idle_minutes: z.number().positive().default(60),
    /** A session ends this long after sign-in whatever its use (hours). */
    absolute_hours: z.number().positive().default(12),
    /** The session id is replaced this often (minutes). */
    rotate_minutes: z.number().positive().default(15),
  })
  .strict();

/** `sso.browser`. */
export const browserSettingsSchema = z
  .object({
    /** The origin users reach the server at (cookies, redirect URIs, CSRF origin check, SAML URLs). */
    public_url: z.string().url().optional(),
    session: sessionTimesSchema.default({
      idle_minutes: 60,
      absolute_hours: 12,
      rotate_minutes: 15,
    }),
  })
  .strict();

/** A provider's `saml` block (preset generic-saml; its `issuer` is the IdP's entity id). */
export const samlSettingsSchema = z
  .object({
    /** The IdP's single sign-on URL (HTTP-Redirect binding). */
    entry_point: z.string().url(),
    /** The IdP's signing certificate(s), PEM or bare base64. */
    idp_cert: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Our entity id (default `<public_url>/admin/sso/<id>/metadata`); the audience we require. */
    sp_entity_id: z.string().min(1).optional(),
    /** NameID format asked for. */
    name_id_format: z.string().default("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
  })
  .strict();

/** The browser fields of a provider (merged into the provider schema). */
export const browserProviderFields = {
  /** The button label ("Sign in with <name>"); default the provider id. */
  name: z.string().min(1).max(100).optional(),
  /** OIDC scopes asked at sign-in. */
  scopes: z.array(z.string().min(1)).default(["openid", "email", "profile"]),
  saml: samlSettingsSchema.optional(),
};

export type BrowserSettings = z.infer<typeof browserSettingsSchema>;
export type SessionTimes = z.infer<typeof sessionTimesSchema>;
export type SamlSettings = z.infer<typeof samlSettingsSchema>;

/** An OIDC provider as browser sign-in uses it. */
export interface OidcClientSettings {
  id: string;
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
  clockSkewSeconds: number;
}

/** A SAML provider as the SP uses it. */
export interface SamlProviderSettings {
  id: string;
  /** The IdP's entity id (assertions' Issuer). */
  idpIssuer: string;
  saml: SamlSettings;
  clockSkewSeconds: number;
}
