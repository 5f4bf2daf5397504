# syntax=docker/dockerfile:1
# One image per service, one pattern for all nine:
#   docker build --build-arg SERVICE=smart-whitelist -t ai-ninja/smart-whitelist:0.1.0 .
# The image holds that service's compiled code, the compiled libraries it uses, and only its production
# dependencies; it runs as the unprivileged `node` user with node as PID 1, so SIGTERM reaches the service's
# graceful shutdown directly.
ARG NODE_IMAGE=node:24.11.1-bookworm-slim

# Every package.json and the lockfile, alone: the dependency layers below stay cached until one of them changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /manifests/ \; \
 && cp package-lock.json /manifests/

# Compile the service and the libraries it references (tsc --build follows the project references).
FROM ${NODE_IMAGE} AS build
ARG SERVICE
RUN test -n "${SERVICE}" || { echo 'Missing --build-arg SERVICE=<service>' >&2; exit 1; }
WORKDIR /repo
COPY --from=manifests /manifests/ ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc --build "apps/${SERVICE}/tsconfig.build.json"

# Only this service's production dependencies: npm links just the workspaces it depends on.
FROM ${NODE_IMAGE} AS production-dependencies
ARG SERVICE
WORKDIR /repo
COPY --from=manifests /manifests/ ./
RUN npm ci --omit=dev --workspace="@ai-ninja/${SERVICE}" --no-audit --no-fund

# Assemble /app: those dependencies (with the workspaces' own node_modules), plus the compiled code of the service
# and of each workspace package it links.
FROM build AS assemble
COPY --from=production-dependencies /repo /app
RUN for link in /app/node_modules/@ai-ninja/*; do \
      dir="$(readlink "$link" | sed 's#^\.\./\.\./##')"; \
      cp -r "$dir/dist" "/app/$dir/"; \
    done
# Static files a service serves (monitoring's dashboard) sit beside its compiled code.
ARG SERVICE
RUN if [ -d "apps/${SERVICE}/public" ]; then cp -r "apps/${SERVICE}/public" "/app/apps/${SERVICE}/"; fi

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production DATA_DIR=/data
COPY --from=assemble /app /app
RUN mkdir -p /data && chown node:node /data
USER node
# WORKDIR expands the build argument where CMD's exec form cannot: CMD runs apps/${SERVICE}/dist/main.js.
WORKDIR /app/apps/${SERVICE}
CMD ["node", "dist/main.js"]
