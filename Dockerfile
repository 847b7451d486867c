# syntax=docker/dockerfile:1
# The Open LangGraph server image: ghcr.io/open-langgraph/open-langgraph:<package version>.
#   docker build -t ghcr.io/open-langgraph/open-langgraph:0.1.0 .
# The package (compiled to dist/, as npm publishes it) at /app with its production dependencies,
# LangChain included (@langchain/core, langgraph, langgraph-checkpoint, langgraph-sdk at the
# versions of package-lock.json); config at /app/open_langgraph.json (the example agent). Graphs
# mounted under /app (the Helm chart's /app/project) import LangChain from /app/node_modules.
# A project's own image is built with `olg dockerfile` instead (its own LangChain versions).
ARG NODE_VERSION=22

# Compile the TypeScript sources and build the admin UI (what `npm pack` ships in dist/, ui/dist/).
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY ui ./ui
RUN npm run build

# Production dependencies only.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim
LABEL org.opencontainers.image.title="Open LangGraph" \
      org.opencontainers.image.description="Self-hosted, open-source LangGraph Platform server" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production PORT=8000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/ui/dist ./ui/dist
COPY package.json LICENSE README.md ./
COPY bin ./bin
COPY examples/basic ./examples/basic
COPY deploy/docker/open_langgraph.json ./open_langgraph.json
# `olg` on the PATH (the Helm chart's default command); the embedded database's folder for runs
# without DATABASE_URL. Everything else stays root-owned and read-only for the server.
RUN ln -s /app/bin/olg.js /usr/local/bin/olg && mkdir -p .olg && chown 1000:1000 .olg
USER 1000:1000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/ok').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# olg serve is PID 1 and drains on SIGTERM (runs in flight finish or are handed back).
STOPSIGNAL SIGTERM
ENTRYPOINT ["olg"]
CMD ["serve", "--config", "/app/open_langgraph.json"]
