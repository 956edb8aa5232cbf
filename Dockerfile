# syntax=docker/dockerfile:1
#
# secure-mcp-server image.
#   docker build -t secure-mcp-server .
#   docker run --read-only --tmpfs /tmp -p 3000:3000 \
#     -e DATABASE_URL=postgres://... -e PUBLIC_URL=https://mcp.example.com \
#     -e KEY_ENCRYPTION_SECRET="$(openssl rand -base64 48)" secure-mcp-server
#
# The runtime stage runs as the unprivileged `node` user, owns none of its own files and writes
# nothing outside /tmp, so it works with a read-only root file system (`--read-only --tmpfs /tmp`,
# or `read_only: true` + `tmpfs: [/tmp]` in docker-compose.yml).

# Pinned Node 24 LTS image (package.json `engines`: >= 24.11); .ci/run runs the test suites on this
# exact Node version. Override with --build-arg NODE_IMAGE=... to move to a newer patch release.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---- build: full install (dev deps included) + TypeScript compile --------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci
# Sources (see .dockerignore for what is left out of the build context).
COPY . .
RUN npm run build \
 && rm -f dist/.tsbuildinfo

# ---- prod-deps: production dependencies only --------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
# No production dependency has an install script, so scripts stay off.
RUN npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force

# ---- runtime ------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="secure-mcp-server" \
      org.opencontainers.image.description="NestJS MCP server over Streamable HTTP with its own OAuth 2.1 authorization server" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/tmp/secure-mcp-server \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Files stay owned by root and are read-only for the `node` user that runs the server.
# package.json is needed at run time: it carries "type": "module".
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# No curl in the slim image: probe /healthz with node's built-in fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# A 4 MB young generation (semi-space): 2 MB kept idle RSS lowest but made scavenges the largest
# cost of a tools/call under load (npm run bench); 4 MB halves their number for a few MB of idle RSS.
# --expose-gc: one compacting collection as the server turns ready gives back what start-up used
# (src/boot/release-startup-memory.ts; idle RSS ~130 -> ~117 MB); nothing else calls it.
CMD ["node", "--max-semi-space-size=4", "--expose-gc", "dist/src/main.js"]
