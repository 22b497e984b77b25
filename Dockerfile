# Parley replica image. Build: docker build -t parley .   Run: see docker-compose.yml and docs/operations.md.

# --- build: compile the server (tsc) and bundle the browser client (esbuild)
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-client.mjs scripts/segmentation-model.mjs scripts/
COPY public public
COPY server server
COPY client client
RUN npm run build

# --- runtime: production dependencies, the compiled server, pages and static files; runs as user node
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY --from=build /app/public public
COPY views views
USER node
EXPOSE 3000
# Liveness: /healthz answers while the process serves (readiness, /readyz, is the load balancer's business).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
# The server handles SIGTERM itself: it drains its calls, then exits.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server/index.js"]
