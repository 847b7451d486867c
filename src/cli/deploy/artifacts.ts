/**
 * What `olg deploy` and `olg init --docker/--helm` write for a project: a Dockerfile (the project
 * and its production packages on Node, `olg serve` as PID 1), a .dockerignore, a
 * docker-compose.yml (the server on PostgreSQL with pgvector and Redis, with health checks), and
 * Helm values for the chart in deploy/helm/open-langgraph (the project's image, or our image
 * ghcr.io/open-langgraph/open-langgraph:<version>, with the bundled PostgreSQL and Redis).
 * One module on purpose: the Dockerfile/compose generation of `olg dockerfile` can replace the
 * first three functions without touching the commands.
 */
import { stringify } from "yaml";

/** Our published image (the chart's default repository). */
export const OLG_IMAGE = "ghcr.io/open-langgraph/open-langgraph";
/** Port the server listens on inside a container (the chart's and the official images'). */
export const CONTAINER_PORT = 8000;

/** The project facts the artifacts need. */
export interface DeployProject {
  name: string;
  version: string;
  /** Config file name at the project root. */
  config: string;
  /** Node.js major version (config `node_version`). */
  nodeVersion: string;
  /** The project has a .env file (passed to compose as env_file). */
  hasEnvFile: boolean;
  /** Lock file present (npm ci) or not (npm install). */
  hasLockFile: boolean;
}

/** The Dockerfile. */
export function dockerfile(p: DeployProject): string {
  const install = p.hasLockFile
    ? "npm ci --omit=dev --no-audit --no-fund"
    : "npm install --omit=dev --no-audit --no-fund";
  return `# Built by \`olg deploy docker\` for ${p.name} ${p.version}.
FROM node:${p.nodeVersion}-slim AS deps
WORKDIR /app
COPY package*.json .npmrc* ./
RUN ${install}

FROM node:${p.nodeVersion}-slim
ENV NODE_ENV=production PORT=${CONTAINER_PORT}
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
USER 1000:1000
EXPOSE ${CONTAINER_PORT}
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:${CONTAINER_PORT}/ok').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "node_modules/open-langgraph/bin/olg.js"]
CMD ["serve", "--config", "${p.config}", "--host", "0.0.0.0"]
`;
}

/** The .dockerignore. */
export const DOCKERIGNORE = "node_modules\n.olg\n.git\n.env\nreports\n__recordings__\n";

/** docker-compose.yml: the server, PostgreSQL (pgvector) and Redis. */
export function compose(p: DeployProject, image: string): string {
  const doc = {
    name: p.name,
    services: {
      server: {
        image,
        build: { context: ".", dockerfile: "Dockerfile" },
        ports: [`8123:${CONTAINER_PORT}`],
        ...(p.hasEnvFile ? { env_file: [".env"] } : {}),
        environment: {
          DATABASE_URL: "postgres://postgres:postgres@postgres:5432/postgres",
          REDIS_URL: "redis://redis:6379",
        },
        depends_on: {
          postgres: { condition: "service_healthy" },
          redis: { condition: "service_healthy" },
        },
        stop_grace_period: "40s",
      },
      postgres: {
        image: "pgvector/pgvector:pg17",
        environment: { POSTGRES_PASSWORD: "postgres" },
        volumes: ["pgdata:/var/lib/postgresql/data"],
        healthcheck: {
          test: ["CMD-SHELL", "pg_isready -U postgres"],
          interval: "5s",
          timeout: "3s",
          retries: 10,
        },
      },
      redis: {
        image: "redis:7.4",
        healthcheck: {
          test: ["CMD", "redis-cli", "ping"],
          interval: "5s",
          timeout: "3s",
          retries: 10,
        },
      },
    },
    volumes: { pgdata: {} },
  };
  return `# Written by \`olg deploy compose\`: docker compose up -d, then http://localhost:8123\n${stringify(doc)}`;
}

/** Splits `repo:tag` (a registry port is not a tag). */
export function splitImage(image: string): { repository: string; tag: string } {
  const at = image.lastIndexOf(":");
  if (at <= image.lastIndexOf("/")) return { repository: image, tag: "latest" };
  return { repository: image.slice(0, at), tag: image.slice(at + 1) };
}

/** Helm values for the chart: the image, the project's config inside it, bundled databases. */
export function helmValues(p: DeployProject, image: string, secretKeys: string[]): string {
  const { repository, tag } = splitImage(image);
  const values = {
    image: { repository, tag },
    project: { source: "image", configPath: `/app/${p.config}` },
    postgresql: { enabled: true },
    redis: { enabled: true },
    secrets: { env: Object.fromEntries(secretKeys.map((k) => [k, ""])) },
  };
  return `# Helm values for ${p.name} (chart: open-langgraph). Written by \`olg deploy k8s\`; edit freely.\n# Secrets: fill in secrets.env, or set existingSecret to a Secret you manage.\n${stringify(values)}`;
}
