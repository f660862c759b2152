# syntax=docker/dockerfile:1
# trafficha: one image for every service; `trafficha run SERVICE` picks which (default: gateway).

# --- 1. the dashboard (spa/dist) ---
FROM node:20 AS spa
WORKDIR /src/spa
COPY spa/package.json spa/package-lock.json ./
RUN npm ci
COPY spa/ ./
RUN npm run build

# --- 2. the Python wheel ---
FROM python:3.11-slim AS wheel
WORKDIR /src
RUN pip install --no-cache-dir build
COPY pyproject.toml README.md ./
COPY src/ ./src/
RUN python -m build --wheel --outdir /wheels

# --- 3. runtime ---
FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SPA_DIST_DIR=/app/spa/dist \
    HOST=0.0.0.0 \
    PORT=8080
RUN groupadd --system --gid 10001 trafficha \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin trafficha
COPY --from=wheel /wheels/ /tmp/wheels/
RUN pip install /tmp/wheels/*.whl && rm -rf /tmp/wheels
COPY --from=spa --chown=10001:10001 /src/spa/dist/ /app/spa/dist/
WORKDIR /app
USER 10001:10001
EXPOSE 8080
# HTTP services answer on PORT; the collector and processor on PROBE_PORT when it is set.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; port = os.environ.get('PROBE_PORT') or os.environ.get('PORT', '8080'); urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2)" || exit 1
ENTRYPOINT ["trafficha", "run"]
CMD ["gateway"]
