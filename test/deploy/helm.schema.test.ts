/**
 * Bad values are refused before anything renders, with an error that names the value: by
 * values.schema.json (types, enums, patterns, ranges, unknown keys, security settings that must
 * stay on) and, for rules across several values, by the chart's checks (templates/validate.yaml).
 */
import { describe, expect, it } from "vitest";
import { CHART_DIR, helm, renderChart } from "../support/helm.ts";

const DB = { externalDatabase: { url: "postgresql://olg:pw@db:5432/olg" } };

/** [what, values, pattern the error must match]. */
const schemaCases: [string, Record<string, unknown>, RegExp][] = [
  ["an unknown mode", { mode: "both" }, /at '\/mode': value must be one of 'split', 'all'/],
  [
    "a misspelt top-level key",
    { ingres: { enabled: true } },
    /additional properties 'ingres' not allowed/,
  ],
  [
    "a misspelt nested key",
    { worker: { autoscalling: { enabled: true } } },
    /at '\/worker': additional properties 'autoscalling' not allowed/,
  ],
  [
    "a database URL that is not PostgreSQL",
    { externalDatabase: { url: "mysql://db/x" } },
    /at '\/externalDatabase\/url'/,
  ],
  [
    "a Redis URL that is not Redis",
    { externalRedis: { url: "http://cache" } },
    /at '\/externalRedis\/url'/,
  ],
  [
    "a CPU request that is not a quantity",
    { api: { resources: { requests: { cpu: "lots", memory: "1Gi" }, limits: { memory: "1Gi" } } } },
    /at '\/api\/resources\/requests\/cpu'/,
  ],
  [
    "a server without a CPU request (the HPA needs it)",
    { worker: { resources: { requests: { cpu: null } } } },
    /at '\/worker\/resources\/requests': missing property 'cpu'/,
  ],
  [
    "a server without a memory limit",
    { api: { resources: { limits: { memory: null } } } },
    /at '\/api\/resources\/limits': missing property 'memory'/,
  ],
  [
    "a negative drain",
    { drain: { runDrainSeconds: -1 } },
    /at '\/drain\/runDrainSeconds': minimum: got -1, want 0/,
  ],
  [
    "root pods",
    { podSecurityContext: { runAsNonRoot: false } },
    /at '\/podSecurityContext\/runAsNonRoot': value must be true/,
  ],
  [
    "privilege escalation",
    { securityContext: { allowPrivilegeEscalation: true } },
    /at '\/securityContext\/allowPrivilegeEscalation': value must be false/,
  ],
  ["a digest that is not sha256", { image: { digest: "latest" } }, /at '\/image\/digest'/],
  [
    "a privileged port",
    { settings: { port: 80 } },
    /at '\/settings\/port': minimum: got 80, want 1,?024/,
  ],
  [
    "an unknown log level",
    { settings: { logLevel: "verbose" } },
    /at '\/settings\/logLevel': value must be one of/,
  ],
  [
    "zero jobs per worker",
    { settings: { jobsPerWorker: 0 } },
    /at '\/settings\/jobsPerWorker': minimum: got 0, want 1/,
  ],
  [
    "an unknown graph source",
    { project: { source: "git" } },
    /at '\/project\/source': value must be one of 'image', 'configMap', 'volume'/,
  ],
  [
    "a graph file name with a folder",
    { project: { source: "configMap", files: { "src/agent.ts": "x" } } },
    /at '\/project\/files': additional properties 'src\/agent.ts' not allowed/,
  ],
  [
    "a secret env name that is not one",
    { secrets: { env: { "my-key": "x" } } },
    /at '\/secrets\/env': additional properties 'my-key' not allowed/,
  ],
  [
    "an env var name that is not one",
    { extraEnv: [{ name: "1BAD", value: "x" }] },
    /at '\/extraEnv\/0\/name'/,
  ],
  [
    "a probe path without a slash",
    {
      probes: {
        liveness: { path: "ok", periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      },
    },
    /at '\/probes\/liveness\/path'/,
  ],
  [
    "a CPU target above 100%",
    {
      api: {
        autoscaling: {
          enabled: true,
          minReplicas: 1,
          maxReplicas: 3,
          targetCPUUtilizationPercentage: 150,
        },
      },
    },
    /at '\/api\/autoscaling\/targetCPUUtilizationPercentage': maximum: got 150, want 100/,
  ],
  [
    "an unknown metrics adapter mode",
    { autoscaling: { metricsAdapter: "yes" } },
    /at '\/autoscaling\/metricsAdapter'/,
  ],
  [
    "a rollout setting that is not a number or percent",
    { updateStrategy: { maxUnavailable: "abc" } },
    /at '\/updateStrategy\/maxUnavailable'/,
  ],
  [
    "an ingress path type",
    {
      ingress: { enabled: true, hosts: [{ host: "a.b", paths: [{ path: "/", pathType: "Any" }] }] },
    },
    /at '\/ingress\/hosts\/0\/paths\/0\/pathType'/,
  ],
  [
    "a boolean given as a string",
    { serviceAccount: { create: "yes" } },
    /at '\/serviceAccount\/create': got string, want boolean/,
  ],
  [
    "a storage size that is not a quantity",
    { postgresql: { enabled: true, persistence: { enabled: true, size: "big" } } },
    /at '\/postgresql\/persistence\/size'/,
  ],
  [
    "a scrape interval without a unit",
    { metrics: { serviceMonitor: { enabled: true, interval: "30" } } },
    /at '\/metrics\/serviceMonitor\/interval'/,
  ],
];

/** [what, values, pattern the chart's own error must match]. */
const ruleCases: [string, Record<string, unknown>, RegExp][] = [
  [
    "no database at all",
    {},
    /database: set externalDatabase.url \(or externalDatabase.existingSecret\)/,
  ],
  [
    "both the bundled and an external database",
    { ...DB, postgresql: { enabled: true } },
    /database: choose one/,
  ],
  [
    "an external database URL and Secret",
    { externalDatabase: { url: "postgresql://a/b", existingSecret: "x" } },
    /externalDatabase: set url or existingSecret, not both/,
  ],
  [
    "both the bundled and an external Redis",
    { ...DB, redis: { enabled: true }, externalRedis: { url: "redis://r:6379" } },
    /redis: choose one/,
  ],
  [
    "a grace period shorter than the drain",
    {
      ...DB,
      drain: {
        preStopSeconds: 5,
        readinessDelaySeconds: 0,
        runDrainSeconds: 60,
        terminationGracePeriodSeconds: 30,
      },
    },
    /drain.terminationGracePeriodSeconds \(30\) must exceed .* = 75/,
  ],
  [
    "graph files from a ConfigMap without files",
    { ...DB, project: { source: "configMap" } },
    /source configMap needs the graph files/,
  ],
  [
    "graph files without an open_langgraph.json",
    { ...DB, project: { source: "configMap", files: { "agent.ts": "x" } } },
    /needs an open_langgraph.json/,
  ],
  [
    "open_langgraph.json given twice",
    {
      ...DB,
      project: {
        source: "configMap",
        config: { graphs: {} },
        files: { "open_langgraph.json": "{}" },
      },
    },
    /open_langgraph.json is given twice/,
  ],
  [
    "a volume source without a volume",
    { ...DB, project: { source: "volume" } },
    /source volume needs project.volume/,
  ],
  [
    "a volume source with a config",
    { ...DB, project: { source: "volume", volume: { emptyDir: {} }, config: { graphs: {} } } },
    /leave project.config empty/,
  ],
  [
    "min replicas above max",
    {
      ...DB,
      worker: {
        autoscaling: {
          enabled: true,
          minReplicas: 5,
          maxReplicas: 2,
          targetCPUUtilizationPercentage: 70,
        },
      },
    },
    /worker.autoscaling: minReplicas \(5\) exceeds maxReplicas \(2\)/,
  ],
  [
    "an ingress without hosts",
    { ...DB, ingress: { enabled: true, hosts: [] } },
    /ingress.enabled needs at least one entry in ingress.hosts/,
  ],
];

describe("values.schema.json refuses bad values, naming them", () => {
  for (const [what, values, message] of schemaCases) {
    it(what, async () => {
      const err = await renderChart({ ...DB, ...values }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err, "rendered anyway").not.toBeNull();
      expect(err!.message).toContain("values don't meet the specifications of the schema");
      expect(err!.message).toMatch(message);
    }, 30_000);
  }

  it("helm lint fails on the same values", async () => {
    const err = await helm(["lint", CHART_DIR, "--set", "mode=both"]).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/at '\/mode': value must be one of 'split', 'all'/);
  }, 30_000);
});

describe("the chart refuses inconsistent values, saying what to change", () => {
  for (const [what, values, message] of ruleCases) {
    it(what, async () => {
      await expect(renderChart(values)).rejects.toThrow(message);
    }, 30_000);
  }
});
