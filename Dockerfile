# The gateway: JSON API, OAuth callback, dashboard, MCP at /mcp, /healthz and /metrics.
#   docker build -t attio-gateway .
#   docker run --rm -p 8000:8000 -v attio-gateway-data:/data attio-gateway
# Untested here (no Docker on the machine it was written on): see docs/deploy.md.
# State is kept in /data (SQLite and the vault key file) unless ATTIO_GATEWAY_DATABASE_URL
# and ATTIO_GATEWAY_VAULT_KEYS point elsewhere; compose.yaml runs it on PostgreSQL and Redis.
# Everything after the image name replaces CMD, e.g. `db upgrade` or `serve --workers 2`.

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# Wheels of the package and of every dependency, so the final stage installs offline
# and carries no build tools or caches.
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ATTIO_GATEWAY_DATA_DIR=/data \
    ATTIO_GATEWAY_BASE_URL=http://localhost:8000
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels attio-gateway \
    && useradd --system --uid 10001 --user-group --home-dir /data --create-home gateway \
    && chmod 0700 /data
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# /healthz answers 200 once the database does; the standard library keeps curl out.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["attio-gateway"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
