/**
 * `olg deploy docker|compose|k8s`: builds and ships the project with what the packaging and
 * Kubernetes work defines: the image (`olg dockerfile`'s Dockerfile; built and pushed when a
 * container engine answers, else the exact commands are printed), a compose file with PostgreSQL
 * and Redis (`docker compose up`), and Helm values for deploy/helm/open-langgraph applied with
 * `helm upgrade --install`. `--dry-run` shows every file and command and changes nothing.
 */
import type { Command } from "commander";
import { examples } from "./help.ts";

/** Flags every deploy target takes. */
export interface DeployFlags {
  config?: string;
  image?: string;
  dryRun?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function common(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "project config (default: open_langgraph.json)")
    .option("--image <name:tag>", "image name (default: <package name>:<package version>)")
    .option("--dry-run", "show every file and command; change nothing")
    .option("--json", "print the files and commands as JSON");
}

/** Adds `deploy` to the program. */
export function registerDeploy(program: Command): void {
  const deploy = program
    .command("deploy")
    .description("Build and ship the project: Docker image, compose, Kubernetes (Helm)");
  examples(deploy, [
    ["olg deploy docker --dry-run", "the Dockerfile and the build command"],
    ["olg deploy compose", "docker-compose.yml with PostgreSQL and Redis, then up"],
    ["olg deploy k8s --namespace agents", "helm upgrade --install with deploy/values.yaml"],
  ]);
  const docker = common(deploy.command("docker").description("Build (and push) the image"))
    .option("--push", "push the image after building it")
    .option("--platform <list>", "target platforms (docker build --platform)")
    .action(async (opts) => {
      const { deployDocker } = await import("./deploy/run.ts");
      await deployDocker(opts);
    });
  examples(docker, [
    ["olg deploy docker", "build <name>:<version> (or print the commands without an engine)"],
    ["olg deploy docker --image ghcr.io/acme/agent:1.2.0 --push", "build and push"],
    ["olg deploy docker --dry-run --json", "the plan as JSON"],
  ]);
  const compose = common(
    deploy
      .command("compose")
      .description("Write docker-compose.yml (PostgreSQL, Redis) and start it"),
  )
    .option("--no-up", "write the file only")
    .action(async (opts) => {
      const { deployCompose } = await import("./deploy/run.ts");
      await deployCompose(opts);
    });
  examples(compose, [
    ["olg deploy compose", "write docker-compose.yml, then docker compose up -d --build"],
    ["olg deploy compose --no-up", "the file only"],
  ]);
  const k8s = common(deploy.command("k8s").description("Install or upgrade the Helm release"))
    .option("-r, --release <name>", "Helm release (default: the package name)")
    .option("-n, --namespace <ns>", "Kubernetes namespace", "default")
    .option("-f, --values <file>", "values file (default: deploy/values.yaml, written if missing)")
    .option("--set <key=value>", "extra Helm value (repeatable)", collect)
    .option("--chart <dir>", "chart folder (default: the open-langgraph chart shipped with olg)")
    .option("--render", "print the manifests (helm template) instead of installing")
    .action(async (opts) => {
      const { deployK8s } = await import("./deploy/run.ts");
      await deployK8s(opts);
    });
  examples(k8s, [
    ["olg deploy k8s", "helm upgrade --install <name> with deploy/values.yaml"],
    ["olg deploy k8s --render > manifests.yaml", "the manifests, without a cluster"],
    ["olg deploy k8s --set secrets.env.OPENAI_API_KEY=$KEY -n agents", "a secret, a namespace"],
  ]);
}
