# Tutela: one image for every role (serve, worker, scheduler); the command picks the role.
#   docker build -t tutela .
#   docker run -p 8000:8000 tutela                     # embedded: SQLite in /data, outbox drained in-process
#   see deploy/compose.yaml for PostgreSQL + Redis with N serve, N worker and one scheduler
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    TUTELA_DATA_DIR=/data TUTELA_HOST=0.0.0.0 TUTELA_PORT=8000

RUN useradd --system --uid 10001 --home /data tutela && mkdir -p /data /metrics && chown tutela /data /metrics
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install ".[heif,video]" && rm -rf /root/.cache

USER tutela
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
CMD ["tutela", "serve"]
