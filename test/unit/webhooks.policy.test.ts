/** Webhook URL policy: the platform's rules plus SSRF refusal by default (literal and resolved). */
import { describe, expect, it } from "vitest";
import { resolveChecked } from "../../src/webhooks/deliver.ts";
import {
  checkWebhookUrl,
  DEFAULT_POLICY,
  networkAllowlist,
  type WebhookUrlPolicy,
} from "../../src/webhooks/policy.ts";
import { signatureHeaders, verifyWebhook } from "../../src/webhooks/signature.ts";

const none = networkAllowlist([]);
const check = (url: string, policy: Partial<WebhookUrlPolicy> = {}, allow = none) =>
  checkWebhookUrl(url, { ...DEFAULT_POLICY, ...policy }, allow);

describe("webhook URL policy", () => {
  it.each([
    "http://127.0.0.1/x",
    "http://127.8.9.10:8080/x",
    "http://[::1]/x",
    "http://[::ffff:127.0.0.1]/x",
    "http://10.0.0.5/x",
    "http://172.20.1.1/x",
    "http://192.168.1.1/x",
    "http://169.254.169.254/latest/meta-data",
    "http://[fe80::1]/x",
    "http://[fd00::1]/x",
    "http://100.64.0.1/x",
    "http://0.0.0.0/x",
    "http://localhost:3000/x",
    "http://api.localhost/x",
    "http://2130706433/x",
  ])("refuses %s by default", (url) => {
    expect(() => check(url)).toThrow(/disallowed IP/);
  });

  it("refuses relative paths by default and allows them when loopback is enabled", () => {
    expect(() => check("/custom/hook")).toThrow("Loopback webhooks are disabled");
    expect(check("/custom/hook", { disableLoopback: false })).toEqual({
      kind: "loopback",
      path: "/custom/hook",
    });
    expect(() => check("//evil.example/x", { disableLoopback: false })).toThrow(
      "Invalid webhook URL",
    );
  });

  it("applies https, port, domain and length rules", () => {
    expect(() => check("http://hooks.example.com/x", { requireHttps: true })).toThrow("https");
    expect(check("https://hooks.example.com/x", { requireHttps: true }).kind).toBe("remote");
    expect(() => check("https://hooks.example.com:8443/x", { allowedPorts: [443] })).toThrow(
      "port 8443",
    );
    expect(check("https://hooks.example.com/x", { allowedPorts: [443] }).kind).toBe("remote");
    const domains = { allowedDomains: ["*.corp.example", "api.example.com"] };
    expect(check("https://a.corp.example/x", domains).kind).toBe("remote");
    expect(() => check("https://corp.example/x", domains)).toThrow("domain not allowed");
    expect(() => check("https://evil.com/x", domains)).toThrow("domain not allowed");
    expect(() => check(`https://a.example.com/${"x".repeat(50)}`, { maxUrlLength: 40 })).toThrow(
      "too long",
    );
    expect(() => check("ftp://a.example.com/x")).toThrow("Invalid webhook URL");
    expect(() => check("https://user:pw@a.example.com/x")).toThrow("credentials");
  });

  it("lets allowed networks through", () => {
    const allow = networkAllowlist(["127.0.0.0/8", "::1"]);
    expect(check("http://127.0.0.1:9/x", {}, allow).kind).toBe("remote");
    expect(check("http://[::1]:9/x", {}, allow).kind).toBe("remote");
    expect(() => check("http://10.0.0.1/x", {}, allow)).toThrow(/disallowed IP/);
  });

  it("checks every address a name resolves to", async () => {
    await expect(resolveChecked("localhost", none)).rejects.toThrow(/disallowed IP/);
    const allow = networkAllowlist(["127.0.0.0/8", "::1"]);
    expect((await resolveChecked("localhost", allow)).length).toBeGreaterThan(0);
    await expect(resolveChecked("no-such-host.invalid", allow)).rejects.toThrow(/resolve/);
  });
});

describe("webhook signatures (Standard Webhooks)", () => {
  it("signs id.timestamp.body and verifies within the tolerance only", () => {
    const now = new Date("2025-01-01T00:00:00Z");
    const h = signatureHeaders("s3cret", "msg_1", '{"a":1}', now);
    const headers = {
      id: h["webhook-id"]!,
      timestamp: h["webhook-timestamp"]!,
      signature: h["webhook-signature"]!,
    };
    expect(headers.signature).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(verifyWebhook("s3cret", headers, '{"a":1}', now)).toBe(true);
    expect(verifyWebhook("s3cret", headers, '{"a":2}', now)).toBe(false);
    expect(verifyWebhook("other", headers, '{"a":1}', now)).toBe(false);
    expect(verifyWebhook("s3cret", headers, '{"a":1}', new Date(now.getTime() + 600_000))).toBe(
      false,
    );
    const whsec = `whsec_${Buffer.from("key-bytes").toString("base64")}`;
    const w = signatureHeaders(whsec, "m", "b", now);
    expect(w["webhook-signature"]).toBe(
      signatureHeaders("key-bytes", "m", "b", now)["webhook-signature"],
    );
  });
});
