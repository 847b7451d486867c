/**
 * The docker-compose.yml for a project (`olg dockerfile --add-docker-compose`) and for our own image
 * (the repository's docker-compose.yml): the server on PostgreSQL (pgvector, for semantic store
 * search) and Redis, each with a health check the server waits for, a stop grace period longer
 * than the server's drain deadline (src/cli/shutdown.ts), and the platform's published port 8123.
 * Written as YAML 1.1 so the values a 1.1 reader would retype ("no", "8123:8000") come out quoted.
 */
import { Document, Scalar } from "yaml";
import { CLOSE_MARGIN_SECONDS } from "../shutdown.ts";
import { CONTAINER_PORT } from "./dockerfile.ts";

/** How the server's image is obtained. */
export type ComposeServer =
  | { build: { context: string; dockerfile: string } }
  | { image: string; build?: { context: string; dockerfile: string } };

/** Options of {@link renderCompose}. */
export interface ComposeOptions {
  server: ComposeServer;
  /** A .env file passed to the server (`env_file`), when the project has one. */
  envFile?: string;
  /** Extra arguments after `olg` (default: the image's CMD). */
  command?: string[];
  /** Header comment lines. */
  header: string[];
}

/** Default run drain (OLG_RUN_DRAIN_SECONDS) + close margin, plus slack: compose waits this long. */
const STOP_GRACE_SECONDS = 20 + CLOSE_MARGIN_SECONDS + 10;

/** The compose document as an object (what {@link renderCompose} writes). */
export function composeDocument(options: ComposeOptions): Record<string, unknown> {
  const server: Record<string, unknown> = {
    ...options.server,
    ports: [`8123:${CONTAINER_PORT}`],
    depends_on: {
      "langgraph-postgres": { condition: "service_healthy" },
      "langgraph-redis": { condition: "service_healthy" },
    },
    environment: {
      DATABASE_URL: "postgres://postgres:postgres@langgraph-postgres:5432/postgres",
      REDIS_URL: "redis://langgraph-redis:6379",
    },
    ...(options.envFile ? { env_file: [options.envFile] } : {}),
    ...(options.command ? { command: options.command } : {}),
    stop_grace_period: `${STOP_GRACE_SECONDS}s`,
    restart: "unless-stopped",
  };
  return {
    volumes: { "langgraph-data": { driver: "local" } },
    services: {
      "langgraph-redis": {
        image: "redis:7",
        command: ["redis-server", "--save", "", "--appendonly", "no"],
        healthcheck: {
          test: ["CMD", "redis-cli", "ping"],
          interval: "5s",
          timeout: "2s",
          retries: 10,
        },
      },
      "langgraph-postgres": {
        image: "pgvector/pgvector:pg16",
        environment: {
          POSTGRES_DB: "postgres",
          POSTGRES_USER: "postgres",
          POSTGRES_PASSWORD: "postgres",
        },
        volumes: ["langgraph-data:/var/lib/postgresql/data"],
        healthcheck: {
          test: ["CMD", "pg_isready", "-U", "postgres"],
          start_period: "10s",
          interval: "5s",
          timeout: "2s",
          retries: 10,
        },
      },
      "langgraph-api": server,
    },
  };
}

/** The compose file's text. */
export function renderCompose(options: ComposeOptions): string {
  const header = options.header.map((line) => `# ${line}`).join("\n");
  const doc = new Document(composeDocument(options), { version: "1.1" });
  // "8123:8000" is a base-60 number to a YAML 1.1 reader: quote it, as Docker's docs do.
  const port = doc.getIn(["services", "langgraph-api", "ports", 0], true);
  if (port instanceof Scalar) port.type = Scalar.QUOTE_DOUBLE;
  return `${header}\n${doc.toString({ lineWidth: 100 })}`;
}
