# One image, two processes: the API (default CMD) and the worker
# (`node --import tsx scripts/worker.ts`, see docker-compose.yml).
FROM node:22-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# --omit=dev is enough: tsx is a runtime dependency, and @swc/core (which the
# Temporal worker uses to bundle workflows/ when it starts) comes in through
# @temporalio/worker. Dependencies before sources so code edits reuse this layer.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Sources stay root-owned: the app never writes to its own directory.
COPY . .

USER node
ENV PORT=3000
EXPOSE 3000

# /healthz checks PostgreSQL and Temporal; the worker service disables this check.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Runs the TypeScript sources through tsx instead of a tsc build: the worker
# bundles workflows/ from source at start either way, so a build step would add
# a second path to keep in sync for no gain. `node --import tsx` (not npx or the
# tsx CLI) keeps a single process, so SIGTERM reaches the app's graceful stop.
CMD ["node", "--import", "tsx", "api/main.ts"]
