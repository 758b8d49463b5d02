# syntax=docker/dockerfile:1
# The sqlflow-operator image: the compiled operator (and the `sqlflow` CLI) on Node 24,
# run as a non-root numeric user, writing nothing at run time (readOnlyRootFilesystem).
#   docker build -t sqlflow-operator:dev .
# scripts/check-image.sh runs these same steps without a container engine (hadolint, a
# scratch build, then the result started on a read-only root as uid 65532).

# One Node line for every stage; pinned by tag (pin by digest too when publishing).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# build: all dependencies (TypeScript, esbuild), then tsc → dist/src/**.js and the operator's one-file bundle
# dist/sqlflow-operator.mjs (scripts/bundle-operator.mjs says why)
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle-operator.mjs ./scripts/
COPY src ./src
RUN npm run build

# deps: production dependencies only, as the lockfile pins them; no install scripts needed.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
# Re-declared: an ARG from before the first FROM is empty inside a stage (base.name was "").
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="sqlflow-operator" \
      org.opencontainers.image.description="Kubernetes operator that runs SQLFlow programs as Argo Workflows" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# No npm at run time: the base image's npm, yarn and corepack go (less to patch, nothing to write a
# cache); a fixed non-root user whose home does not exist (nothing is written there).
# The commands are tiny wrappers on PATH: `exec` keeps node as the process that gets SIGTERM.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /root/.npm \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nonroot \
 && printf '#!/bin/sh\nexec node --max-semi-space-size=4 --optimize-for-size /app/dist/sqlflow-operator.mjs "$@"\n' > /usr/local/bin/sqlflow-operator \
 && printf '#!/bin/sh\nexec node /app/dist/src/cli/main.js "$@"\n' > /usr/local/bin/sqlflow \
 && chmod 0755 /usr/local/bin/sqlflow-operator /usr/local/bin/sqlflow
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/dist/sqlflow-operator.mjs ./dist/
COPY package.json ./
USER 65532:65532
# metrics, health (/healthz, /readyz), API (gRPC/Connect over h2c)
EXPOSE 8080 8081 8443
ENTRYPOINT ["sqlflow-operator"]
