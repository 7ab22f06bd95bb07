# The platform's API and projections, as compiled JavaScript run by a non-root user.
#   docker build -t industrial-space-platform .
#   docker run -e JWT_SECRET="$(openssl rand -base64 48)" -v isp-data:/data -p 127.0.0.1:3000:3000 industrial-space-platform
# Build stage: better-sqlite3 compiles from source if no prebuilt binary fits, hence the full image
# (toolchain); TypeScript is compiled once here and the dev dependencies are pruned afterwards.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: same Debian release as the build (the native module's glibc), no toolchain, no
# sources, no dev dependencies. The code belongs to root and is read-only for the user that runs it.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Liveness of the process; /ready (backing services, read models) is for load balancers.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Operators' commands in the same image: node dist/scripts/token.js --role …, node dist/scripts/seed.js
# (rebuilds: node --max-semi-space-size=32 --expose-gc dist/scripts/project.js …).
# The heaps' settings: see the README.
CMD ["node", "--enable-source-maps", "--max-semi-space-size=64", "dist/src/main.js"]
