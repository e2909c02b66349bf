# syntax=docker/dockerfile:1
# The production image (default target: API, worker, migrations) holds compiled JavaScript and a
# prebuilt workflow bundle, run as a non-root user. The sandbox PSP, a fake provider for demos
# and tests, is a separate target and never in the production image.

FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && mkdir /sandbox && mv dist/sandbox /sandbox/

FROM node:20.19-bookworm-slim AS base
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# /healthz of the API on PORT, or of the worker on WORKER_HEALTH_PORT when that is set.
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.WORKER_HEALTH_PORT||process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

FROM base AS sandbox
COPY --from=build /sandbox/sandbox ./dist/sandbox
CMD ["node", "dist/sandbox/main.js"]

FROM base AS runtime
CMD ["node", "dist/api/main.js"]
