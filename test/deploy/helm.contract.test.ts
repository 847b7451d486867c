/**
 * The chart bound to the code it deploys. Rendered with the real helm, then checked against the
 * real server: the image is the packaging issue's repository at the package version; every env
 * var the chart sets changes what `loadSettings` resolves (so the config really reads it); the
 * server processes started with exactly the chart's args and env (api and worker) answer every
 * probe path on the container port, the worker serves nothing else, and /metrics exports the
 * series the HPAs and the adapter example scale on; the migration hook runs `olg migrate` with the
 * hook's env and leaves the schema current; the grace period exceeds the shutdown deadline the
 * server computes from the chart's env (and the chart refuses one that does not), and a worker
 * stopped mid-run exits within it; the PrometheusRule is deploy/prometheus/alerts.yml.
 * The process parts need PostgreSQL (the chart always sets DATABASE_URL); they are not registered,
 * with a warning, when it is unreachable.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { CLOSE_MARGIN_SECONDS, shutdownDeadlineMs } from "../../src/cli/shutdown.ts";
import { loadSettings } from "../../src/config/load.ts";
import { MIGRATIONS } from "../../src/storage/migrate.ts";
import { guardProcess } from "../support/cleanup.ts";
import { CHART_DIR, find, type K8sObject, ofKind, renderChart } from "../support/helm.ts";
import {
  BIN,
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  ROOT,
  TEST_CONFIG,
} from "../support/server.ts";

const pgUp = await postgresAvailable();
if (!pgUp)
  console.warn("[skip] PostgreSQL unreachable: chart-to-process contract tests not registered");

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf-8")) as {
  version: string;
};
const DB = "postgresql://olg:secret@db.example.internal:5432/olg";
const decode = (b64: string) => Buffer.from(b64, "base64").toString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Non-default settings, so each variable's effect on the resolved settings is visible. */
const CUSTOM = {
  externalDatabase: { url: DB },
  externalRedis: { url: "redis://cache.example.internal:6379/3" },
  settings: {
    logLevel: "debug",
    jobsPerWorker: 7,
    runLeaseSeconds: 45,
    warmSchemas: false,
    apiUrl: "http://agents.example.internal",
    langgraphConfig: { agent: { configurable: { model: "fake" } } },
    otlpEndpoint: "http://otel-collector:4318",
    otelServiceName: "agents-prod",
    port: 8123,
  },
  drain: {
    preStopSeconds: 7,
    readinessDelaySeconds: 3,
    runDrainSeconds: 40,
    terminationGracePeriodSeconds: 61,
  },
  extraEnv: [{ name: "OPENAI_API_KEY", value: "sk-test" }],
  secrets: { env: { LANGFUSE_SECRET_KEY: "sk-lf" } },
};

/** The environment a server container gets: envFrom (ConfigMap, chart Secret), then env. */
function containerEnv(objects: K8sObject[], container: any): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ref of container.envFrom ?? []) {
    if (ref.configMapRef)
      Object.assign(out, find(objects, "ConfigMap", ref.configMapRef.name).data);
    if (ref.secretRef) {
      const s = find(objects, "Secret", ref.secretRef.name);
      for (const [k, v] of Object.entries<string>(s.data ?? {})) out[k] = decode(v);
    }
  }
  for (const e of container.env ?? []) {
    if (e.value != null) out[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) {
      const { name, key } = e.valueFrom.secretKeyRef;
      out[e.name] = decode(find(objects, "Secret", name).data[key]);
    }
  }
  return out;
}

const serverOf = (objects: K8sObject[], name: string) =>
  find(objects, "Deployment", name).spec.template.spec.containers[0];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe("chart ↔ code: static contracts", () => {
  it("references the packaging issue's image at the package version", async () => {
    const chart = parseYaml(readFileSync(path.join(CHART_DIR, "Chart.yaml"), "utf-8"));
    expect(chart.appVersion).toBe(pkg.version);
    expect(chart.version).toBe(pkg.version);
    const objects = await renderChart({ externalDatabase: { url: DB } });
    const images = [
      ...ofKind(objects, "Deployment").map((d) => d.spec.template.spec.containers[0].image),
      find(objects, "Job", "rel-open-langgraph-migrate").spec.template.spec.containers[0].image,
    ];
    for (const image of images)
      expect(image).toBe(`ghcr.io/open-langgraph/open-langgraph:${pkg.version}`);
    const pinned = await renderChart({ externalDatabase: { url: DB }, image: { tag: "1.2.3" } });
    expect(serverOf(pinned, "rel-open-langgraph-api").image).toBe(
      "ghcr.io/open-langgraph/open-langgraph:1.2.3",
    );
  }, 60_000);

  it("every env var the chart sets is read by our config (each one changes the resolved settings)", async () => {
    const objects = await renderChart(CUSTOM);
    const exempt = new Set([
      ...CUSTOM.extraEnv.map((e) => e.name),
      ...Object.keys(CUSTOM.secrets.env),
    ]);
    const names = new Set<string>();
    for (const d of [...ofKind(objects, "Deployment"), ...ofKind(objects, "Job")])
      for (const c of d.spec.template.spec.containers)
        for (const [k] of Object.entries(containerEnv(objects, c))) names.add(k);
    const checked = [...names].filter((n) => !exempt.has(n)).sort();
    expect(checked).toEqual([
      "DATABASE_URL",
      "LANGGRAPH_API_URL",
      "LANGGRAPH_CONFIG",
      "LOG_LEVEL",
      "N_JOBS_PER_WORKER",
      "OLG_DRAIN_DELAY_SECONDS",
      "OLG_RUN_DRAIN_SECONDS",
      "OLG_RUN_LEASE_SECONDS",
      "OLG_WARM_SCHEMAS",
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "OTEL_SERVICE_NAME",
      "PORT",
      "REDIS_URL",
    ]);
    const env = containerEnv(objects, serverOf(objects, "rel-open-langgraph-api"));
    const resolve = (e: Record<string, string>) =>
      JSON.stringify(loadSettings("serve", { config: TEST_CONFIG }, { ...e }, ROOT));
    const base = resolve({});
    for (const name of checked) {
      const value = env[name];
      expect(value, name).toBeDefined();
      expect(resolve({ [name]: value as string }), `${name}=${value}`).not.toBe(base);
    }
    // Together they resolve to exactly the values asked for.
    const s = loadSettings("serve", { config: TEST_CONFIG }, { ...env }, ROOT);
    expect(s).toMatchObject({
      port: 8123,
      logLevel: "debug",
      workers: 7,
      runLeaseSeconds: 45,
      runDrainSeconds: 40,
      drainDelaySeconds: 3,
      warmSchemas: false,
      databaseUrl: DB,
      redisUrl: "redis://cache.example.internal:6379/3",
      apiUrl: "http://agents.example.internal",
      systemAssistantDefaults: { agent: { configurable: { model: "fake" } } },
    });
    expect(s.telemetry).toMatchObject({
      serviceName: "agents-prod",
      otlpTracesUrl: "http://otel-collector:4318/v1/traces",
    });
  }, 60_000);

  it("the grace period exceeds the server's shutdown deadline plus preStop, and the chart refuses less", async () => {
    for (const values of [{ externalDatabase: { url: DB } }, CUSTOM]) {
      const objects = await renderChart(values);
      for (const d of ofKind(objects, "Deployment")) {
        const pod = d.spec.template.spec;
        const c = pod.containers[0];
        const settings = loadSettings(
          "serve",
          { config: TEST_CONFIG },
          containerEnv(objects, c),
          ROOT,
        );
        const preStop = c.lifecycle.preStop.sleep.seconds;
        expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
          preStop * 1000 + shutdownDeadlineMs(settings),
        );
      }
    }
    // Exactly at the deadline is refused (the template's margin is the code's), one more second passes.
    const d = CUSTOM.drain;
    const edge =
      d.preStopSeconds + d.readinessDelaySeconds + d.runDrainSeconds + CLOSE_MARGIN_SECONDS;
    await expect(
      renderChart({ ...CUSTOM, drain: { ...d, terminationGracePeriodSeconds: edge } }),
    ).rejects.toThrow(/terminationGracePeriodSeconds \(60\) must exceed .* = 60/);
    await renderChart({ ...CUSTOM, drain: { ...d, terminationGracePeriodSeconds: edge + 1 } });
  }, 60_000);

  it("the PrometheusRule is deploy/prometheus/alerts.yml, and the HPA metrics are ones we export", async () => {
    const objects = await renderChart(
      {
        externalDatabase: { url: DB },
        metrics: { prometheusRule: { enabled: true } },
        worker: { autoscaling: { enabled: true } },
        autoscaling: { metricsAdapter: "present" },
      },
      {},
    );
    const alerts = parseYaml(
      readFileSync(path.join(ROOT, "deploy/prometheus/alerts.yml"), "utf-8"),
    );
    expect(find(objects, "PrometheusRule", "rel-open-langgraph").spec.groups).toEqual(
      alerts.groups,
    );
    const hpa = find(objects, "HorizontalPodAutoscaler", "rel-open-langgraph-worker");
    const hpaMetrics = hpa.spec.metrics
      .map((m: any) => m.external?.metric.name ?? m.pods?.metric.name)
      .filter(Boolean);
    expect(hpaMetrics).toEqual(["olg_run_queue_depth", "olg_runs_active"]);
    const adapter = parseYaml(
      readFileSync(path.join(CHART_DIR, "examples/prometheus-adapter-values.yaml"), "utf-8"),
    );
    const adapterNames = [...adapter.rules.custom, ...adapter.rules.external].map(
      (r: any) => r.name.as,
    );
    expect(adapterNames.sort()).toEqual([...hpaMetrics].sort());
    const selector = hpa.spec.metrics[1].external.metric.selector.matchLabels.service;
    find(objects, "Service", selector);
  }, 60_000);
});

/** A server process started with a container's args and env, as the kubelet would. */
interface Proc {
  child: ChildProcess;
  logs: string[];
  exited: Promise<number | null>;
}

function startContainer(args: string[], env: Record<string, string>, config = TEST_CONFIG): Proc {
  // The image's config path does not exist here: the test fixtures stand in for the project.
  const local = args.map((a, i) => (args[i - 1] === "--config" ? config : a));
  const child = guardProcess(
    spawn(process.execPath, [BIN, ...local], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const logs: string[] = [];
  const onData = (chunk: Buffer) => logs.push(...chunk.toString().split("\n").filter(Boolean));
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { child, logs, exited };
}

async function waitListening(proc: Proc, ms = 180_000): Promise<void> {
  const end = Date.now() + ms;
  while (!proc.logs.some((l) => l.includes('"server listening"'))) {
    if (proc.child.exitCode != null) throw new Error(`exited:\n${proc.logs.join("\n")}`);
    if (Date.now() > end) throw new Error(`did not start:\n${proc.logs.join("\n")}`);
    await sleep(100);
  }
}

async function stop(proc: Proc | undefined): Promise<void> {
  if (!proc || proc.child.exitCode != null || proc.child.signalCode != null) return;
  proc.child.kill("SIGKILL");
  await proc.exited;
}

// Each test has its own database and ports: they run at the same time.
describe
  .runIf(pgUp)
  .concurrent("chart ↔ code: processes started as the chart starts them (postgres)", () => {
    const procs: Proc[] = [];
    const databases: string[] = [];
    afterAll(async () => {
      for (const p of procs) await stop(p);
      for (const db of databases) await dropTestDatabase(db).catch(() => {});
    });

    it("the migration hook runs `olg migrate` with its own env and leaves the schema current", async () => {
      const url = await createTestDatabase("h17_chart_migrate");
      databases.push(url);
      const objects = await renderChart({ externalDatabase: { url } });
      const job = find(objects, "Job", "rel-open-langgraph-migrate");
      expect(job.metadata.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
      const secret = find(objects, "Secret", "rel-open-langgraph-migrate");
      expect(Number(secret.metadata.annotations?.["helm.sh/hook-weight"])).toBeLessThan(
        Number(job.metadata.annotations?.["helm.sh/hook-weight"]),
      );
      const c = job.spec.template.spec.containers[0];
      expect(c.command).toBeUndefined(); // the image's entrypoint: the olg CLI
      expect(c.args).toEqual(["migrate"]);
      const env = containerEnv(objects, c);
      expect(Object.keys(env)).toEqual(["DATABASE_URL"]);
      for (const expected of [/Applied migrations: 1, 2/, /Database is up to date/]) {
        const proc = startContainer(c.args, env);
        procs.push(proc);
        expect(await proc.exited, proc.logs.join("\n")).toBe(0);
        expect(proc.logs.join("\n")).toMatch(expected);
      }
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query("SELECT version FROM olg_migrations ORDER BY version");
        expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      } finally {
        await client.end();
      }
    }, 300_000);

    it("with an auth module configured, the probes still answer without credentials", async () => {
      const url = await createTestDatabase("h17_chart_auth");
      databases.push(url);
      const port = await freePort();
      const objects = await renderChart({ externalDatabase: { url }, settings: { port } });
      const c = serverOf(objects, "rel-open-langgraph-api");
      const proc = startContainer(
        c.args,
        containerEnv(objects, c),
        path.join(ROOT, "test/fixtures/auth/open_langgraph.json"),
      );
      procs.push(proc);
      await waitListening(proc);
      const base = `http://127.0.0.1:${port}`;
      // The kubelet sends no credentials.
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe])
        expect((await fetch(`${base}${probe.httpGet.path}`)).status, probe.httpGet.path).toBe(200);
      // Auth is on for the API...
      expect((await fetch(`${base}/threads/search`, { method: "POST", body: "{}" })).status).toBe(
        401,
      );
      // ...and for /metrics unless auth.metrics is "public": the ServiceMonitor then needs
      // credentials (metrics.serviceMonitor.endpointConfig), as docs/deploy/autoscaling.md says.
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const scraped = await fetch(`${base}/metrics`, { headers: { authorization: "Bearer root" } });
      expect(scraped.status).toBe(200);
      await stop(proc);
    }, 300_000);

    it("api and worker started with the chart's args and env answer every probe on the container port", async () => {
      const url = await createTestDatabase("h17_chart_probes");
      databases.push(url);
      const [apiPort, workerPort] = [await freePort(), await freePort()];
      const values = (port: number) => ({
        externalDatabase: { url },
        settings: { port, warmSchemas: false },
        drain: { preStopSeconds: 1, runDrainSeconds: 3, terminationGracePeriodSeconds: 15 },
        metrics: { serviceMonitor: { enabled: true } },
      });
      const forApi = await renderChart(values(apiPort));
      const forWorker = await renderChart(values(workerPort));
      const started: Record<string, { proc: Proc; port: number; c: any }> = {};
      for (const [role, objects, port] of [
        ["api", forApi, apiPort],
        ["worker", forWorker, workerPort],
      ] as const) {
        const c = serverOf(objects, `rel-open-langgraph-${role}`);
        expect(c.ports[0].containerPort).toBe(port);
        const env = containerEnv(objects, c);
        expect(env.PORT).toBe(String(port));
        const proc = startContainer(c.args, env);
        procs.push(proc);
        started[role] = { proc, port, c };
      }
      for (const { proc } of Object.values(started)) await waitListening(proc);

      for (const [role, { port, c }] of Object.entries(started)) {
        for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
          expect(probe.httpGet.port).toBe(c.ports[0].name);
          const res = await fetch(`http://127.0.0.1:${port}${probe.httpGet.path}`);
          expect(res.status, `${role} ${probe.httpGet.path}`).toBe(200);
        }
        // The ServiceMonitor's path on the metrics Service's target port.
        const sm = find(forApi, "ServiceMonitor", "rel-open-langgraph").spec.endpoints[0];
        const metrics = await (await fetch(`http://127.0.0.1:${port}${sm.path}`)).text();
        for (const name of ["olg_run_queue_depth", "olg_runs_active"])
          expect(metrics, `${role} exports ${name}`).toContain(`# TYPE ${name} gauge`);
      }
      // The worker serves only probes and metrics; the api serves the API.
      expect((await fetch(`http://127.0.0.1:${workerPort}/info`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${apiPort}/info`)).status).toBe(200);

      // A run created on the api executes on the worker; SIGTERM mid-run: the worker drains
      // (runDrainSeconds), hands the run back, and exits well within the grace period.
      const client = new Client({ apiUrl: `http://127.0.0.1:${apiPort}` });
      const thread = await client.threads.create();
      const run = await client.runs.create(thread.thread_id, "runs_steps", {
        input: { delay_ms: 4000 },
      });
      for (let i = 0; i < 300; i++) {
        if ((await client.runs.get(thread.thread_id, run.run_id)).status === "running") break;
        await sleep(100);
      }
      const worker = started.worker!;
      const grace = find(forWorker, "Deployment", "rel-open-langgraph-worker").spec.template.spec
        .terminationGracePeriodSeconds as number;
      const t0 = Date.now();
      worker.proc.child.kill("SIGTERM");
      expect(await worker.proc.exited).toBe(0);
      const took = (Date.now() - t0) / 1000;
      expect(took).toBeGreaterThanOrEqual(2.5); // it waited for the run (runDrainSeconds 3)
      expect(took).toBeLessThan(grace - 1); // preStop (1 s) + shutdown, inside the grace period
      // The run was handed back, not lost: pending again for the next worker (the api never claims).
      const after = await client.runs.get(thread.thread_id, run.run_id);
      expect(after.status).toBe("pending");
    }, 400_000);
  });
