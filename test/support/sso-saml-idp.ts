/**
 * A real SAML 2.0 identity provider for browser sign-in tests: `samlify` as IdP, in process on a
 * random loopback port, its signing key and certificate generated per test (`selfsigned`). It
 * reads the AuthnRequest of the HTTP-Redirect binding, shows a login form (the login names the
 * user), and answers a signed response by the HTTP-POST binding: a page with the form to the SP's
 * ACS and a "Continue" button. `mode` makes it misbehave the ways an SP must refuse: an assertion
 * for another audience, an unsigned assertion (only the response signed), nothing signed at all,
 * no InResponseTo (as an IdP-initiated response).
 * The last response it issued is kept, so a test can replay it.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inflateRawSync } from "node:zlib";
import * as samlify from "samlify";
import { generate } from "selfsigned";

const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/** A user of the IdP: its login → attributes. */
export type SamlUsers = Record<string, { email: string; groups: string[]; name: string }>;
export type SamlMode =
  | "ok"
  | "wrong-audience"
  | "unsigned-assertion"
  | "unsigned"
  | "idp-initiated";

export interface SamlIdp {
  entityId: string;
  ssoUrl: string;
  /** The signing certificate (PEM). */
  cert: string;
  /** Reads the SP's metadata (call once the server under test listens). */
  configure(spMetadataUrl: string): Promise<void>;
  setMode(mode: SamlMode): void;
  /** The last response issued: its ACS URL, SAMLResponse and RelayState. */
  last(): { acs: string; samlResponse: string; relayState: string } | undefined;
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test IdP</title></head><body><main>${body}</main></body></html>`;

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** Starts the IdP with `users`. */
export async function startSamlIdp(users: SamlUsers): Promise<SamlIdp> {
  const pems = await generate([{ name: "commonName", value: "olg-test-idp" }], {
    keySize: 2048,
    algorithm: "sha256",
  });
  let mode: SamlMode = "ok";
  let spMetadata = "";
  let last: ReturnType<SamlIdp["last"]>;
  const server: Server = createServer((req, res) => {
    handle(req)
      .then(([status, html]) => {
        res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
        res.end(html);
      })
      .catch((error) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(error?.stack ?? error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${base}/metadata`;
  const idp = samlify.IdentityProvider({
    entityID: entityId,
    privateKey: pems.private,
    signingCert: pems.cert,
    nameIDFormat: [EMAIL_FORMAT],
    singleSignOnService: [{ Binding: REDIRECT, Location: `${base}/sso` }],
    wantAuthnRequestsSigned: false,
    requestSignatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  });

  function spFor(): ReturnType<typeof samlify.ServiceProvider> {
    if (mode === "wrong-audience")
      return samlify.ServiceProvider({
        metadata: spMetadata.replace(/entityID="[^"]*"/, 'entityID="https://other-sp.example/"'),
      });
    if (mode === "unsigned-assertion" || mode === "unsigned")
      return samlify.ServiceProvider({
        metadata: spMetadata.replace(/WantAssertionsSigned="true"/, 'WantAssertionsSigned="false"'),
      });
    return samlify.ServiceProvider({ metadata: spMetadata });
  }

  async function handle(req: IncomingMessage): Promise<[number, string]> {
    const url = new URL(req.url ?? "/", base);
    if (req.method === "GET" && url.pathname === "/sso") {
      const xml = inflateRawSync(Buffer.from(url.searchParams.get("SAMLRequest") ?? "", "base64"));
      const id = xml.toString("utf8").match(/\sID="([^"]+)"/)?.[1] ?? "";
      return [
        200,
        page(`<h1>Test IdP sign-in</h1><form method="post" action="/sso/login">
<label>Login <input name="login" required></label>
<input type="hidden" name="request_id" value="${esc(id)}">
<input type="hidden" name="relay" value="${esc(url.searchParams.get("RelayState") ?? "")}">
<button type="submit">Sign in</button></form>`),
      ];
    }
    if (req.method === "POST" && url.pathname === "/sso/login") {
      const form = await formOf(req);
      const user = users[form.get("login") ?? ""];
      if (!user) return [401, page("<h1>Unknown user</h1>")];
      const sp = spFor();
      const attributes = [
        ["email", [user.email]],
        ["name", [user.name]],
        ["groups", user.groups],
      ]
        .map(
          ([n, vs]) =>
            `<saml:Attribute Name="${n}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${(vs as string[]).map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`).join("")}</saml:Attribute>`,
        )
        .join("");
      const now = new Date();
      const later = new Date(now.getTime() + 5 * 60_000).toISOString();
      const acs = sp.entityMeta.getAssertionConsumerService("post") as string;
      const values: Record<string, string> = {
        ID: `_${crypto.randomUUID()}`,
        AssertionID: `_${crypto.randomUUID()}`,
        Destination: acs,
        Audience: sp.entityMeta.getEntityID(),
        SubjectRecipient: acs,
        Issuer: entityId,
        IssueInstant: now.toISOString(),
        StatusCode: "urn:oasis:names:tc:SAML:2.0:status:Success",
        ConditionsNotBefore: now.toISOString(),
        ConditionsNotOnOrAfter: later,
        SubjectConfirmationDataNotOnOrAfter: later,
        NameIDFormat: EMAIL_FORMAT,
        NameID: user.email,
        InResponseTo: mode === "idp-initiated" ? "" : (form.get("request_id") ?? ""),
        AuthnStatement: `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
        AttributeStatement: `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>`,
      };
      const made = (await idp.createLoginResponse(
        sp,
        { extract: { request: { id: values.InResponseTo } } } as never,
        "post",
        { email: user.email },
        (template: string) => ({
          id: values.ID!,
          context: template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? ""),
        }),
      )) as { context: string };
      let samlResponse = made.context;
      if (mode === "unsigned") {
        const xml = Buffer.from(samlResponse, "base64").toString("utf8");
        const stripped = xml.replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/g, "");
        samlResponse = Buffer.from(stripped, "utf8").toString("base64");
      }
      const relayState = form.get("relay") ?? "";
      last = { acs, samlResponse, relayState };
      return [
        200,
        page(`<h1>Test IdP: signed in</h1><form method="post" action="${esc(acs)}">
<input type="hidden" name="SAMLResponse" value="${esc(samlResponse)}">
<input type="hidden" name="RelayState" value="${esc(relayState)}">
<button type="submit">Continue</button></form>`),
      ];
    }
    return [404, page("<h1>Not found</h1>")];
  }

  return {
    entityId,
    ssoUrl: `${base}/sso`,
    cert: pems.cert,
    async configure(spMetadataUrl) {
      const res = await fetch(spMetadataUrl);
      if (!res.ok) throw new Error(`SP metadata: ${res.status}`);
      spMetadata = await res.text();
    },
    setMode(m) {
      mode = m;
    },
    last: () => last,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
