# syntax=docker/dockerfile:1
# Hearth container image. One image serves every role: `start` (all-in-one, the default CMD),
# `gateway` and `engine` (the scaled shape; compose.yaml and the Helm chart pass the role as CMD).
#
#   docker build -t hearth:0.1.0 .                                   # API / model-server providers only
#   docker build -t hearth:0.1.0 --build-arg WITH_LOCAL_MODELS=true .  # + embedded GGUF (node-llama-cpp)
#
# Releases are tagged hearth:<version>; deploy/release.sh builds and keeps the last 3,
# deploy/rollback.sh <version> goes back to one of them.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: install with dev dependencies, compile TypeScript, then drop the dev dependencies ----
FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles its native addon from source when no prebuilt binary matches this
# Node/libc: that needs python3, make and a C++ compiler. They stay in this stage only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# node-llama-cpp (embedded GGUF models, in process) is an optional dependency that brings ~730 MB of
# CUDA/Vulkan builds. It is left out unless WITH_LOCAL_MODELS=true: `npm ci --omit=optional`. Users of an
# API or of the model-server container need none of it. --omit=optional also drops the web build's native
# parts (rolldown and lightningcss, used by Vite, and esbuild's binary, which bundles the start path: optional,
# per-platform packages), so those are added back
# explicitly at the versions the lockfile pins; they are dev dependencies and are pruned below. The same
# goes, after the prune, for resvg's (the canvas PNG renderer, needed at run time).
ARG WITH_LOCAL_MODELS=false
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: the project's own `prepare` (the build) would run before the sources are copied in; the
# dependencies' install scripts (better-sqlite3's native addon, …) run in `npm rebuild` right after.
RUN if [ "$WITH_LOCAL_MODELS" = "true" ]; then \
      npm ci --ignore-scripts --no-audit --no-fund && npm rebuild; \
    else \
      npm ci --omit=optional --ignore-scripts --no-audit --no-fund \
      && npm rebuild \
      && platform="$(node -p 'process.platform + "-" + process.arch')" \
      && locked() { node -p "require('./package-lock.json').packages['node_modules/$1'].version"; } \
      && npm install --no-save --omit=optional --no-audit --no-fund \
           "@rolldown/binding-${platform}-gnu@$(locked rolldown)" "lightningcss-${platform}-gnu@$(locked lightningcss)" \
           "@esbuild/${platform}@$(locked esbuild)"; \
    fi

COPY tsconfig.json vite.config.ts ./
COPY scripts/bundle.mjs ./scripts/
COPY src ./src
COPY sdk ./sdk
COPY web ./web
# prune also removes the binaries added above (installed --no-save, so extraneous).
RUN npm run build \
 && if [ "$WITH_LOCAL_MODELS" = "true" ]; then npm prune --omit=dev; else \
      npm prune --omit=dev --omit=optional \
      && platform="$(node -p 'process.platform + "-" + process.arch')" \
      && resvg="$(node -p "require('./package-lock.json').packages['node_modules/@resvg/resvg-js'].version")" \
      && npm install --no-save --omit=dev --omit=optional --no-audit --no-fund "@resvg/resvg-js-${platform}-gnu@${resvg}"; \
    fi

# ---- runtime: Node, the compiled code, production dependencies; no compiler, no npm cache ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HEARTH_HOST=0.0.0.0 \
    HEARTH_PORT=8080 \
    HEARTH_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/bundle ./dist/bundle
COPY --from=build /app/dist/web ./dist/web
COPY --from=build /app/dist/sdk ./dist/sdk
COPY package.json ./
COPY bin ./bin
COPY web ./web
COPY proto ./proto
# The official image's `node` user, by number: Kubernetes' runAsNonRoot can only verify a numeric
# USER. Code and dependencies stay root-owned (read-only to the process); only /data is writable.
RUN mkdir -p /data && chown 1000:1000 /data
USER 1000:1000
VOLUME ["/data"]
EXPOSE 8080
# Slim images have no curl: Node's own fetch asks /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HEARTH_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The same command the tests run; SIGTERM reaches Node directly (exec form), which drains and exits 0.
ENTRYPOINT ["node", "bin/hearth.js"]
CMD ["start"]
