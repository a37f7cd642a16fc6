# syntax=docker/dockerfile:1
# Airbyte destination image for Rokt.
#
# BASE_IMAGE defaults to the public Node 20 LTS slim image. On machines without a
# registry, .ci/container.sh passes a locally built Debian bookworm + node image.
ARG BASE_IMAGE=node:20-bookworm-slim

# ---- build: install all deps, compile TypeScript, bundle each CLI into one file ----
FROM ${BASE_IMAGE} AS build
WORKDIR /app
ENV NODE_ENV=development \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && test -x dist/bin/destination-rokt.mjs \
 && test -x dist/bin/target-rokt.mjs

# ---- runtime -----------------------------------------------------------------
FROM ${BASE_IMAGE}

LABEL io.airbyte.name=airbyte/destination-rokt \
      io.airbyte.version=0.1.0

# Non-root user "airbyte" (uid/gid 1000, as Airbyte runs its containers) with a
# writable /airbyte. The public node images already use uid 1000 for "node", so
# that account is removed first. Falls back to busybox adduser or plain
# /etc/passwd edits when shadow-utils are missing.
RUN set -eu; \
    if command -v useradd >/dev/null 2>&1; then \
      old_user=$(getent passwd 1000 | cut -d: -f1 || true); \
      if [ -n "$old_user" ] && [ "$old_user" != airbyte ]; then userdel "$old_user"; fi; \
      old_group=$(getent group 1000 | cut -d: -f1 || true); \
      if [ -n "$old_group" ] && [ "$old_group" != airbyte ]; then groupdel "$old_group"; fi; \
      groupadd --gid 1000 airbyte; \
      useradd --uid 1000 --gid airbyte --home-dir /airbyte --no-create-home --shell /usr/sbin/nologin airbyte; \
    elif command -v adduser >/dev/null 2>&1; then \
      addgroup -g 1000 airbyte 2>/dev/null || addgroup airbyte; \
      adduser -D -u 1000 -G airbyte -h /airbyte -s /sbin/nologin airbyte 2>/dev/null \
        || adduser -D -G airbyte -h /airbyte -s /sbin/nologin airbyte; \
    else \
      echo 'airbyte:x:1000:' >> /etc/group; \
      echo 'airbyte:x:1000:1000:airbyte:/airbyte:/usr/sbin/nologin' >> /etc/passwd; \
    fi; \
    mkdir -p /airbyte /app; \
    chown airbyte:airbyte /airbyte; \
    chmod 0755 /airbyte

WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
# The bundles are self-contained: no node_modules in the image.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist/bin ./dist/bin
COPY --from=build /app/spec.json /app/catalog.sample.json /app/README.md ./

WORKDIR /airbyte
# Run through the file's own #! line, which carries the Node flags (see README "Performance").
ENV AIRBYTE_ENTRYPOINT="/app/dist/bin/destination-rokt.mjs"
ENTRYPOINT ["/app/dist/bin/destination-rokt.mjs"]
USER airbyte
