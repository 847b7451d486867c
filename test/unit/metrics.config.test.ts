/** Telemetry and drain settings resolved from the environment and the config file. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadSettings } from "../../src/config/load.ts";

function project(config: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), "olg-telemetry-"));
  writeFileSync(path.join(dir, "open_langgraph.json"), JSON.stringify(config));
  return dir;
}

describe("telemetry settings", () => {
  it("are off by default", () => {
    const s = loadSettings("serve", {}, {}, project({}));
    expect(s.telemetry).toEqual({
      serviceName: "open-langgraph",
      otlpTracesUrl: null,
      otlpHeaders: {},
      langfuse: null,
      errorHook: null,
    });
    expect(s.drainDelaySeconds).toBe(0);
  });

  it("read the config file, with the environment taking precedence", () => {
    const dir = project({
      telemetry: {
        otlp_endpoint: "http://collector:4318/",
        service_name: "from-file",
        error_hook: "./hook.mjs:onError",
      },
      server: { drain_delay_seconds: 5 },
    });
    const fromFile = loadSettings("serve", {}, {}, dir);
    expect(fromFile.telemetry.otlpTracesUrl).toBe("http://collector:4318/v1/traces");
    expect(fromFile.telemetry.serviceName).toBe("from-file");
    expect(fromFile.telemetry.errorHook).toBe(path.join(dir, "hook.mjs:onError"));
    expect(fromFile.drainDelaySeconds).toBe(5);

    const fromEnv = loadSettings(
      "serve",
      {},
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://env:4318",
        OTEL_SERVICE_NAME: "from-env",
        OTEL_EXPORTER_OTLP_HEADERS: "authorization=Basic YWJjOmRlZg==,x-team=ml%20ops,broken",
        LANGFUSE_PUBLIC_KEY: "pk",
        LANGFUSE_SECRET_KEY: "sk",
        LANGFUSE_BASEURL: "http://langfuse:3000",
        OLG_DRAIN_DELAY_SECONDS: "2.5",
      },
      dir,
    );
    expect(fromEnv.telemetry).toMatchObject({
      otlpTracesUrl: "http://env:4318/v1/traces",
      serviceName: "from-env",
      otlpHeaders: { authorization: "Basic YWJjOmRlZg==", "x-team": "ml ops" },
      langfuse: { publicKey: "pk", secretKey: "sk", baseUrl: "http://langfuse:3000" },
    });
    expect(fromEnv.drainDelaySeconds).toBe(2.5);
    const perSignal = loadSettings(
      "serve",
      {},
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://x:4318/custom/traces" },
      dir,
    );
    expect(perSignal.telemetry.otlpTracesUrl).toBe("http://x:4318/custom/traces");
  });

  it("need both Langfuse keys and reject a bad drain delay", () => {
    const dir = project({});
    expect(
      loadSettings("serve", {}, { LANGFUSE_PUBLIC_KEY: "pk" }, dir).telemetry.langfuse,
    ).toBeNull();
    expect(() => loadSettings("serve", {}, { OLG_DRAIN_DELAY_SECONDS: "-1" }, dir)).toThrow(
      ConfigError,
    );
  });
});
