/**
 * The Helm chart (deploy/helm/open-langgraph) with the real helm v4: `helm lint --strict` and
 * `helm template` over a matrix of values (external DB from a URL or a Secret, bundled DB, Redis
 * external/bundled/off, split and all roles, ingress, HPA with and without a metrics adapter,
 * monitoring, graph files from the image, a ConfigMap or a volume, restricted egress, older
 * Kubernetes). Every rendered object is validated by `kubernetes-models`, then checked for what
 * the chart promises: pod security, probes, drain, rolling strategy, references that resolve.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  CHART_DIR,
  find,
  helm,
  type K8sObject,
  ofKind,
  renderChart,
  validateObject,
} from "../support/helm.ts";

const DB = "postgresql://olg:secret@db.example.internal:5432/olg";
const ADAPTER = ["custom.metrics.k8s.io/v1beta1", "external.metrics.k8s.io/v1beta1"];

interface Case {
  name: string;
  values: Record<string, any>;
  apiVersions?: string[];
  kubeVersion?: string;
  check(objects: K8sObject[]): void;
}

const env = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e]));
const server = (d: K8sObject) => d.spec.template.spec.containers[0];
const hook = (o: K8sObject) => o.metadata.annotations?.["helm.sh/hook"];

const cases: Case[] = [
  {
    name: "external database URL (the default layout: api + worker)",
    values: { externalDatabase: { url: DB } },
    check(objects) {
      const deployments = ofKind(objects, "Deployment");
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
        "rel-open-langgraph-api",
        "rel-open-langgraph-worker",
      ]);
      for (const d of deployments) {
        const role = d.metadata.labels?.["app.kubernetes.io/component"];
        expect(server(d).args).toEqual([
          "serve",
          "--config",
          "/app/open_langgraph.json",
          "--role",
          role,
        ]);
        expect(env(server(d)).DATABASE_URL.valueFrom.secretKeyRef).toEqual({
          name: "rel-open-langgraph",
          key: "DATABASE_URL",
        });
        expect(env(server(d)).REDIS_URL).toBeUndefined();
      }
      const secret = find(objects, "Secret", "rel-open-langgraph");
      expect(Buffer.from(secret.data.DATABASE_URL, "base64").toString()).toBe(DB);
      const job = find(objects, "Job", "rel-open-langgraph-migrate");
      expect(hook(job)).toBe("pre-install,pre-upgrade");
      expect(ofKind(objects, "StatefulSet")).toHaveLength(0);
      expect(ofKind(objects, "Ingress")).toHaveLength(0);
      expect(ofKind(objects, "HorizontalPodAutoscaler")).toHaveLength(0);
      expect(ofKind(objects, "PodDisruptionBudget")).toHaveLength(2);
      expect(ofKind(objects, "NetworkPolicy")).toHaveLength(2);
      // The api Service reaches the api pods only; the metrics Service every server pod.
      expect(find(objects, "Service", "rel-open-langgraph").spec.selector).toMatchObject({
        "app.kubernetes.io/component": "api",
      });
    },
  },
  {
    name: "external database from an existing Secret",
    values: { externalDatabase: { existingSecret: "pg-app", existingSecretKey: "uri" } },
    check(objects) {
      for (const d of [...ofKind(objects, "Deployment"), ...ofKind(objects, "Job")])
        expect(env(server(d)).DATABASE_URL.valueFrom.secretKeyRef).toEqual({
          name: "pg-app",
          key: "uri",
        });
      // Nothing for the chart to store: no Secret of its own.
      expect(ofKind(objects, "Secret")).toHaveLength(0);
    },
  },
  {
    name: "bundled PostgreSQL StatefulSet",
    values: { postgresql: { enabled: true, auth: { password: "p@ss word" } } },
    check(objects) {
      const sts = find(objects, "StatefulSet", "rel-open-langgraph-postgresql");
      expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("8Gi");
      const pw = find(objects, "Secret", "rel-open-langgraph-postgresql").data.POSTGRES_PASSWORD;
      expect(Buffer.from(pw, "base64").toString()).toBe("p@ss word");
      const url = Buffer.from(
        find(objects, "Secret", "rel-open-langgraph").data.DATABASE_URL,
        "base64",
      ).toString();
      expect(url).toBe("postgresql://olg:p%40ss+word@rel-open-langgraph-postgresql:5432/olg");
      expect(new URL(url).password).toBe("p%40ss+word");
      // The database does not exist before the install: migrate after it, waiting for PostgreSQL.
      const job = find(objects, "Job", "rel-open-langgraph-migrate");
      expect(hook(job)).toBe("post-install,pre-upgrade");
      expect(job.spec.template.spec.initContainers[0].command.join(" ")).toContain("pg_isready");
      expect(hook(find(objects, "Secret", "rel-open-langgraph-migrate"))).toBe(
        "post-install,pre-upgrade",
      );
      expect(find(objects, "NetworkPolicy", "rel-open-langgraph-postgresql")).toBeTruthy();
    },
  },
  {
    name: "bundled PostgreSQL with a generated password: one password everywhere",
    values: { postgresql: { enabled: true } },
    check(objects) {
      const pw = Buffer.from(
        find(objects, "Secret", "rel-open-langgraph-postgresql").data.POSTGRES_PASSWORD,
        "base64",
      ).toString();
      expect(pw).toMatch(/^[A-Za-z0-9]{32}$/);
      for (const name of ["rel-open-langgraph", "rel-open-langgraph-migrate"]) {
        const url = Buffer.from(find(objects, "Secret", name).data.DATABASE_URL, "base64");
        expect(new URL(url.toString()).password).toBe(pw);
      }
    },
  },
  {
    name: "external Redis",
    values: { externalDatabase: { url: DB }, externalRedis: { url: "redis://cache:6379/2" } },
    check(objects) {
      for (const d of ofKind(objects, "Deployment"))
        expect(env(server(d)).REDIS_URL.valueFrom.secretKeyRef.key).toBe("REDIS_URL");
      const secret = find(objects, "Secret", "rel-open-langgraph");
      expect(Buffer.from(secret.data.REDIS_URL, "base64").toString()).toBe("redis://cache:6379/2");
      // The migration needs no Redis.
      expect(env(server(find(objects, "Job", "rel-open-langgraph-migrate"))).REDIS_URL).toBe(
        undefined,
      );
    },
  },
  {
    name: "bundled Redis with a password",
    values: { externalDatabase: { url: DB }, redis: { enabled: true, auth: { password: "r/s" } } },
    check(objects) {
      const redis = find(objects, "Deployment", "rel-open-langgraph-redis");
      expect(server(redis).command.join(" ")).toContain("--requirepass");
      const url = Buffer.from(
        find(objects, "Secret", "rel-open-langgraph").data.REDIS_URL,
        "base64",
      ).toString();
      expect(url).toBe("redis://:r%2Fs@rel-open-langgraph-redis:6379");
      expect(find(objects, "NetworkPolicy", "rel-open-langgraph-redis")).toBeTruthy();
    },
  },
  {
    name: "one Deployment for role all",
    values: { mode: "all", externalDatabase: { url: DB } },
    check(objects) {
      const [d, ...rest] = ofKind(objects, "Deployment");
      expect(rest).toHaveLength(0);
      expect(d?.metadata.name).toBe("rel-open-langgraph");
      expect(server(d!).args.slice(-2)).toEqual(["--role", "all"]);
      expect(find(objects, "Service", "rel-open-langgraph").spec.selector).toMatchObject({
        "app.kubernetes.io/component": "all",
      });
    },
  },
  {
    name: "ingress (nginx) with TLS",
    values: {
      externalDatabase: { url: DB },
      ingress: {
        enabled: true,
        hosts: [{ host: "agents.example.com", paths: [{ path: "/", pathType: "Prefix" }] }],
        tls: [{ hosts: ["agents.example.com"], secretName: "agents-tls" }],
        annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" },
      },
    },
    check(objects) {
      const ing = find(objects, "Ingress", "rel-open-langgraph");
      const a = ing.metadata.annotations!;
      expect(a["nginx.ingress.kubernetes.io/proxy-read-timeout"]).toBe("3600");
      expect(a["nginx.ingress.kubernetes.io/proxy-send-timeout"]).toBe("3600");
      expect(a["nginx.ingress.kubernetes.io/proxy-buffering"]).toBe("off");
      expect(a["nginx.ingress.kubernetes.io/proxy-request-buffering"]).toBe("off");
      expect(a["nginx.ingress.kubernetes.io/proxy-http-version"]).toBe("1.1");
      expect(a["cert-manager.io/cluster-issuer"]).toBe("letsencrypt");
      expect(ing.spec.ingressClassName).toBe("nginx");
      expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({
        name: "rel-open-langgraph",
        port: { name: "http" },
      });
    },
  },
  {
    name: "ingress with another controller gets no nginx annotations",
    values: {
      externalDatabase: { url: DB },
      ingress: { enabled: true, className: "traefik" },
    },
    check(objects) {
      const a = find(objects, "Ingress", "rel-open-langgraph").metadata.annotations ?? {};
      expect(Object.keys(a).filter((k) => k.includes("nginx"))).toEqual([]);
    },
  },
  {
    name: "HPA on CPU when no metrics adapter serves our metrics",
    values: {
      externalDatabase: { url: DB },
      api: { autoscaling: { enabled: true } },
      worker: { autoscaling: { enabled: true } },
    },
    check(objects) {
      const hpas = ofKind(objects, "HorizontalPodAutoscaler");
      expect(hpas).toHaveLength(2);
      for (const h of hpas) expect(h.spec.metrics.map((m: any) => m.type)).toEqual(["Resource"]);
      // Under an HPA the Deployment leaves replicas to it.
      for (const d of ofKind(objects, "Deployment")) expect(d.spec.replicas).toBeUndefined();
    },
  },
  {
    name: "HPA on queue depth and active runs when the adapter APIs are served",
    apiVersions: ADAPTER,
    values: {
      externalDatabase: { url: DB },
      api: { autoscaling: { enabled: true } },
      worker: { autoscaling: { enabled: true } },
    },
    check(objects) {
      const worker = find(objects, "HorizontalPodAutoscaler", "rel-open-langgraph-worker");
      expect(worker.spec.metrics.map((m: any) => m.type)).toEqual(["Resource", "External", "Pods"]);
      expect(worker.spec.metrics[1].external.metric.name).toBe("olg_run_queue_depth");
      expect(worker.spec.metrics[1].external.target).toEqual({
        type: "AverageValue",
        averageValue: "10",
      });
      expect(worker.spec.metrics[2].pods.metric.name).toBe("olg_runs_active");
      expect(worker.spec.scaleTargetRef.name).toBe("rel-open-langgraph-worker");
      // The api scales on CPU: queue metrics say nothing about HTTP load.
      const api = find(objects, "HorizontalPodAutoscaler", "rel-open-langgraph-api");
      expect(api.spec.metrics.map((m: any) => m.type)).toEqual(["Resource"]);
    },
  },
  {
    name: "HPA metrics forced for GitOps renders (metricsAdapter: present)",
    values: {
      externalDatabase: { url: DB },
      autoscaling: { metricsAdapter: "present" },
      worker: { autoscaling: { enabled: true, activeRuns: { enabled: false } } },
    },
    check(objects) {
      const worker = find(objects, "HorizontalPodAutoscaler", "rel-open-langgraph-worker");
      expect(worker.spec.metrics.map((m: any) => m.type)).toEqual(["Resource", "External"]);
    },
  },
  {
    name: "monitoring: ServiceMonitor, PrometheusRule, Grafana dashboard",
    values: {
      externalDatabase: { url: DB },
      metrics: {
        serviceMonitor: {
          enabled: true,
          labels: { release: "kube-prometheus" },
          endpointConfig: {
            authorization: { type: "Bearer", credentials: { name: "scrape", key: "token" } },
          },
        },
        prometheusRule: { enabled: true },
        grafanaDashboard: { enabled: true },
      },
    },
    check(objects) {
      const sm = find(objects, "ServiceMonitor", "rel-open-langgraph");
      expect(sm.metadata.labels?.release).toBe("kube-prometheus");
      expect(sm.spec.endpoints[0]).toMatchObject({
        port: "http",
        path: "/metrics",
        authorization: { type: "Bearer", credentials: { name: "scrape", key: "token" } },
      });
      const metricsSvc = find(objects, "Service", "rel-open-langgraph-metrics");
      expect(metricsSvc.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
      expect(metricsSvc.spec.ports.map((p: any) => p.name)).toContain("http");
      const rule = find(objects, "PrometheusRule", "rel-open-langgraph");
      expect(rule.spec.groups[0].rules.length).toBeGreaterThan(3);
      const dash = find(objects, "ConfigMap", "rel-open-langgraph-dashboard");
      expect(JSON.parse(dash.data["open-langgraph.json"]).panels.length).toBeGreaterThan(0);
    },
  },
  {
    name: "graph files from a ConfigMap",
    values: {
      externalDatabase: { url: DB },
      project: {
        source: "configMap",
        config: { graphs: { agent: "./agent.ts:graph" } },
        files: { "agent.ts": "export const graph = {};\n" },
      },
    },
    check(objects) {
      const files = find(objects, "ConfigMap", "rel-open-langgraph-project");
      expect(files.data["agent.ts"]).toBe("export const graph = {};\n");
      const config = find(objects, "ConfigMap", "rel-open-langgraph-config");
      expect(JSON.parse(config.data["open_langgraph.json"])).toEqual({
        graphs: { agent: "./agent.ts:graph" },
      });
      for (const d of ofKind(objects, "Deployment")) {
        expect(server(d).args[2]).toBe("/app/project/open_langgraph.json");
        const vol = d.spec.template.spec.volumes.find((v: any) => v.name === "project");
        expect(vol.projected.sources.map((s: any) => s.configMap.name)).toEqual([
          "rel-open-langgraph-project",
          "rel-open-langgraph-config",
        ]);
        expect(server(d).volumeMounts).toContainEqual({
          name: "project",
          mountPath: "/app/project",
          readOnly: true,
        });
      }
    },
  },
  {
    name: "graph files from a volume",
    values: {
      externalDatabase: { url: DB },
      project: {
        source: "volume",
        volume: { persistentVolumeClaim: { claimName: "graphs" } },
        mountPath: "/app/graphs",
      },
    },
    check(objects) {
      for (const d of ofKind(objects, "Deployment")) {
        expect(server(d).args[2]).toBe("/app/graphs/open_langgraph.json");
        const vol = d.spec.template.spec.volumes.find((v: any) => v.name === "project");
        expect(vol.persistentVolumeClaim.claimName).toBe("graphs");
      }
    },
  },
  {
    name: "project image with the config replaced from values",
    values: {
      externalDatabase: { url: DB },
      project: { config: { graphs: { agent: "./src/agent.ts:graph" } } },
    },
    check(objects) {
      for (const d of ofKind(objects, "Deployment")) {
        expect(server(d).args[2]).toBe("/app/open_langgraph.helm.json");
        expect(server(d).volumeMounts).toContainEqual({
          name: "config",
          mountPath: "/app/open_langgraph.helm.json",
          subPath: "open_langgraph.json",
          readOnly: true,
        });
      }
    },
  },
  {
    name: "secrets: existingSecret, secrets.env, extraEnv; egress restricted",
    values: {
      externalDatabase: { url: DB },
      existingSecret: "olg-keys",
      secrets: { env: { LANGGRAPH_AES_KEY: "0123456789abcdef" } },
      extraEnv: [
        {
          name: "OPENAI_API_KEY",
          valueFrom: { secretKeyRef: { name: "openai", key: "key" } },
        },
      ],
      networkPolicy: {
        restrictEgress: true,
        egress: [{ to: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ port: 5432 }] }],
        apiFrom: [{ namespaceSelector: { matchLabels: { name: "ingress-nginx" } } }],
      },
    },
    check(objects) {
      const d = find(objects, "Deployment", "rel-open-langgraph-api");
      expect(
        server(d)
          .envFrom.map((e: any) => e.secretRef?.name)
          .filter(Boolean),
      ).toEqual(["rel-open-langgraph", "olg-keys"]);
      expect(env(server(d)).OPENAI_API_KEY.valueFrom.secretKeyRef.name).toBe("openai");
      const secret = find(objects, "Secret", "rel-open-langgraph");
      expect(Buffer.from(secret.data.LANGGRAPH_AES_KEY, "base64").toString()).toBe(
        "0123456789abcdef",
      );
      const np = find(objects, "NetworkPolicy", "rel-open-langgraph-api");
      expect(np.spec.policyTypes).toEqual(["Ingress", "Egress"]);
      expect(np.spec.ingress[0].from[0].namespaceSelector.matchLabels.name).toBe("ingress-nginx");
      expect(np.spec.egress.some((r: any) => r.to?.[0]?.ipBlock?.cidr === "10.20.0.0/16")).toBe(
        true,
      );
      expect(np.spec.egress[0].ports.map((p: any) => p.port)).toEqual([53, 53]);
      expect(find(objects, "NetworkPolicy", "rel-open-langgraph-migrate")).toBeTruthy();
    },
  },
  {
    name: "Kubernetes 1.29: preStop through exec sleep (no sleep action yet)",
    kubeVersion: "1.29.0",
    values: { externalDatabase: { url: DB } },
    check(objects) {
      for (const d of ofKind(objects, "Deployment"))
        expect(server(d).lifecycle.preStop).toEqual({ exec: { command: ["sleep", "5"] } });
    },
  },
  {
    name: "everything on: bundled DB and Redis, ingress, HPA with adapter, monitoring",
    apiVersions: ADAPTER,
    values: {
      postgresql: { enabled: true },
      redis: { enabled: true },
      ingress: { enabled: true },
      api: { autoscaling: { enabled: true } },
      worker: { autoscaling: { enabled: true } },
      metrics: {
        serviceMonitor: { enabled: true },
        prometheusRule: { enabled: true },
        grafanaDashboard: { enabled: true },
      },
      networkPolicy: { restrictEgress: true },
      imagePullSecrets: [{ name: "regcred" }],
      image: { digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
    },
    check(objects) {
      expect(ofKind(objects, "HorizontalPodAutoscaler")).toHaveLength(2);
      expect(ofKind(objects, "StatefulSet")).toHaveLength(1);
      expect(server(find(objects, "Deployment", "rel-open-langgraph-api")).image).toBe(
        "ghcr.io/open-langgraph/open-langgraph@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      );
      const np = find(objects, "NetworkPolicy", "rel-open-langgraph-worker");
      const dbPorts = np.spec.egress[1].ports.map((p: any) => p.port);
      expect(dbPorts).toEqual([5432, 6379]);
    },
  },
];

/** What every server Deployment must satisfy, whatever the values. */
function checkServerDeployment(d: K8sObject, objects: K8sObject[]): void {
  const pod = d.spec.template.spec;
  const c = server(d);
  expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
  expect(c.securityContext).toMatchObject({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  });
  expect(c.resources.requests.cpu).toBeTruthy();
  expect(c.resources.requests.memory).toBeTruthy();
  expect(c.resources.limits.memory).toBeTruthy();
  expect(c.livenessProbe.httpGet).toEqual({ path: "/ok", port: "http" });
  expect(c.readinessProbe.httpGet).toEqual({ path: "/ready", port: "http" });
  expect(c.startupProbe.httpGet.port).toBe("http");
  expect(c.ports[0]).toMatchObject({ name: "http" });
  expect(c.lifecycle.preStop).toBeTruthy();
  expect(pod.enableServiceLinks).toBe(false);
  expect(c.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
  // Every ConfigMap and Secret the pod needs is rendered, or is one the values name as existing.
  for (const ref of c.envFrom) {
    if (ref.configMapRef) find(objects, "ConfigMap", ref.configMapRef.name);
    if (ref.secretRef?.name === "rel-open-langgraph") find(objects, "Secret", ref.secretRef.name);
  }
  for (const v of pod.volumes) {
    if (v.configMap) find(objects, "ConfigMap", v.configMap.name);
    for (const s of v.projected?.sources ?? []) find(objects, "ConfigMap", s.configMap.name);
  }
  // Pod labels match the Deployment's selector; the service account exists.
  expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
  find(objects, "ServiceAccount", pod.serviceAccountName);
}

/** Every security setting on every workload container (servers, job, bundled databases). */
function checkContainerSecurity(objects: K8sObject[]): void {
  for (const w of objects.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind))) {
    const pod = w.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot, w.metadata.name).toBe(true);
    expect(pod.automountServiceAccountToken, w.metadata.name).toBe(false);
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      const where = `${w.metadata.name}/${c.name}`;
      expect(c.securityContext.allowPrivilegeEscalation, where).toBe(false);
      expect(c.securityContext.readOnlyRootFilesystem, where).toBe(true);
      expect(c.resources?.limits?.memory, where).toBeTruthy();
    }
  }
}

describe("Helm chart: helm lint", () => {
  it("passes helm lint --strict with the defaults and with a full production set", async () => {
    const defaults = await helm(["lint", "--strict", CHART_DIR]);
    expect(defaults.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    const full = await helm([
      "lint",
      "--strict",
      CHART_DIR,
      "--set",
      `externalDatabase.url=${DB}`,
      "--set",
      "ingress.enabled=true,worker.autoscaling.enabled=true,metrics.prometheusRule.enabled=true",
    ]);
    expect(full.stdout).toContain("0 chart(s) failed");
  }, 120_000);

  it("packages with the linked alert rules and dashboard inside", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "h17-helm-pkg-"));
    try {
      await helm(["package", CHART_DIR, "-d", dir]);
      const pkg = path.join(dir, "open-langgraph-0.1.0.tgz");
      const { stdout } = await helm([
        "template",
        "rel",
        pkg,
        "--set",
        `externalDatabase.url=${DB},metrics.prometheusRule.enabled=true`,
      ]);
      expect(stdout).toContain("OpenLangGraphHighErrorRate");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("Helm chart: helm template matrix", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const objects = await renderChart(c.values, {
        apiVersions: c.apiVersions,
        kubeVersion: c.kubeVersion,
      });
      expect(objects.length).toBeGreaterThan(5);
      for (const o of objects) validateObject(o);
      for (const o of objects) {
        expect(o.metadata.labels?.["app.kubernetes.io/instance"], o.metadata.name).toBe("rel");
        expect(o.metadata.labels?.["app.kubernetes.io/name"], o.metadata.name).toBe(
          "open-langgraph",
        );
      }
      const servers = ofKind(objects, "Deployment").filter(
        (d) => d.spec.template.metadata.labels["olg/server"] === "true",
      );
      expect(servers.length).toBeGreaterThan(0);
      for (const d of servers) checkServerDeployment(d, objects);
      checkContainerSecurity(objects);
      // Services, PDBs and NetworkPolicies select pods that some workload creates.
      const podLabels = objects
        .filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind))
        .map((o) => o.spec.template.metadata.labels);
      const selectors = [
        ...ofKind(objects, "Service").map((s) => s.spec.selector),
        ...ofKind(objects, "PodDisruptionBudget").map((p) => p.spec.selector.matchLabels),
        ...ofKind(objects, "NetworkPolicy").map((n) => n.spec.podSelector.matchLabels),
      ];
      for (const sel of selectors)
        expect(
          podLabels.some((l) => Object.entries(sel).every(([k, v]) => l[k] === v)),
          JSON.stringify(sel),
        ).toBe(true);
      for (const h of ofKind(objects, "HorizontalPodAutoscaler"))
        find(objects, "Deployment", h.spec.scaleTargetRef.name);
      c.check(objects);
    }, 60_000);
  }
});
