/**
 * `olg deploy` as a user runs it in a generated project: --dry-run shows files and commands and
 * changes nothing; docker builds and pushes through the container engine when one answers (a
 * recording stand-in for the docker CLI here: no engine on this machine) and prints the exact
 * commands when none does; compose writes PostgreSQL and Redis services; k8s renders the real
 * chart with the real helm, and an install without a cluster exits 3.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { ensureHelm } from "../support/helm.ts";
import { cleanupTemp, olg, tempDir } from "./support.ts";

describe("olg deploy", { timeout: 300_000 }, () => {
  const cwd = tempDir("olg-deploy-");
  const dir = path.join(cwd, "dep");
  const bin = path.join(cwd, "bin");
  // No docker/podman on PATH: only node's folder (the CLI runs on process.execPath anyway).
  const noEngine = { PATH: path.dirname(process.execPath) };
  afterAll(() => cleanupTemp(cwd));

  beforeAll(async () => {
    const r = await olg(
      ["init", "dep", "-t", "chat", "-y", "--no-install", "--olg-version", "^0.1.0"],
      { cwd },
    );
    expect(r.code, r.stderr).toBe(0);
    // `npm ci` in the image needs the lock; its content does not matter to the generator.
    writeFileSync(path.join(dir, "package-lock.json"), '{ "lockfileVersion": 3 }\n');
  });

  it("--dry-run shows the Dockerfile and the build command and writes nothing", async () => {
    const r = await olg(["deploy", "docker", "--dry-run", "--json", "--push"], {
      cwd: dir,
      env: noEngine,
    });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.files.map((f: { path: string }) => f.path)).toEqual([
      "Dockerfile",
      ".dockerignore",
    ]);
    expect(plan.files[0].content).toContain("npm ci --omit=dev");
    expect(plan.commands).toEqual([
      ["docker", "build", "-t", "dep:0.1.0", "-f", "Dockerfile", "."],
      ["docker", "push", "dep:0.1.0"],
    ]);
    expect(plan.executed).toBe(false);
    expect(existsSync(path.join(dir, "Dockerfile"))).toBe(false);
  });

  it("prints the exact commands when no container engine answers", async () => {
    const r = await olg(["deploy", "docker"], { cwd: dir, env: noEngine });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("no container engine answers");
    expect(r.stdout).toContain("docker build -t dep:0.1.0 -f Dockerfile .");
    expect(readFileSync(path.join(dir, "Dockerfile"), "utf-8")).toContain('ENTRYPOINT ["olg"]');
  });

  it("builds and pushes through the engine when one answers", async () => {
    const log = path.join(cwd, "docker.log");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, "docker"), `#!/bin/sh\necho "$@" >> ${log}\nexit 0\n`);
    chmodSync(path.join(bin, "docker"), 0o755);
    const image = "ghcr.io/acme/agent:1.2.0";
    const r = await olg(["deploy", "docker", "--image", image, "--push", "--json"], {
      cwd: dir,
      env: { PATH: `${bin}:${noEngine.PATH}` },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ executed: true, tool: "docker", image });
    expect(readFileSync(log, "utf-8").trim().split("\n")).toEqual([
      "info",
      `build -t ${image} -f Dockerfile .`,
      `push ${image}`,
    ]);
  });

  it("compose writes the server with PostgreSQL and Redis", async () => {
    const r = await olg(["deploy", "compose", "--no-up"], { cwd: dir, env: noEngine });
    expect(r.code, r.stderr).toBe(0);
    const compose = parse(readFileSync(path.join(dir, "docker-compose.yml"), "utf-8"));
    expect(Object.keys(compose.services).sort()).toEqual([
      "langgraph-api",
      "langgraph-postgres",
      "langgraph-redis",
    ]);
    expect(compose.services["langgraph-api"]).toMatchObject({
      image: "dep:0.1.0",
      build: { context: ".", dockerfile: "Dockerfile" },
    });
    const up = await olg(["deploy", "compose", "--dry-run"], { cwd: dir, env: noEngine });
    expect(up.stdout).toContain("docker compose up -d --build");
    expect(up.stdout).toContain("docker-compose.yml (would write)");
  });

  it("k8s renders the chart with the project's values (real helm)", async () => {
    const helm = ensureHelm();
    const dry = await olg(["deploy", "k8s", "--dry-run", "-n", "agents"], { cwd: dir });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(
      /helm upgrade --install dep \S+deploy\/helm\/open-langgraph --create-namespace --namespace agents -f deploy\/values.yaml/,
    );
    expect(existsSync(path.join(dir, "deploy/values.yaml"))).toBe(false);
    const r = await olg(["deploy", "k8s", "--render", "--set", "settings.logLevel=debug"], {
      cwd: dir,
      env: { HELM: helm },
    });
    expect(r.code, r.stderr).toBe(0);
    const docs = parseAllDocuments(r.stdout)
      .map((d) => d.toJS())
      .filter(Boolean);
    const deployments = docs.filter(
      (d) => d.kind === "Deployment" && !d.metadata.name.endsWith("-redis"),
    );
    expect(deployments.length).toBeGreaterThan(0);
    for (const d of deployments) expect(d.spec.template.spec.containers[0].image).toBe("dep:0.1.0");
    expect(docs.some((d) => d.kind === "StatefulSet")).toBe(true);
    const values = parse(readFileSync(path.join(dir, "deploy/values.yaml"), "utf-8"));
    expect(values).toMatchObject({ image: { repository: "dep", tag: "0.1.0" } });
  });

  it("k8s without a reachable cluster exits 3", async () => {
    const kubeconfig = path.join(cwd, "kubeconfig");
    writeFileSync(
      kubeconfig,
      "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n" +
        "contexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {}}]\n",
    );
    const r = await olg(["deploy", "k8s"], {
      cwd: dir,
      env: { HELM: ensureHelm(), KUBECONFIG: kubeconfig },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("helm upgrade --install dep");
  });
});
