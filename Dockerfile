# syntax=docker/dockerfile:1
FROM python:3.12-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEWSEARCH_INDEX_DIR=/srv/index \
    PORT=8000

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /srv --no-create-home app

WORKDIR /opt/newsearch
COPY pyproject.toml README.md ./
COPY indexer ./indexer
COPY webapp ./webapp
RUN pip install --no-cache-dir . \
    && mkdir -p /srv/index /srv/pages \
    && chown -R 10001:10001 /srv

USER 10001:10001
# The image ships a ready index built from the bundled corpus; mount a volume
# at /srv/index to keep an index that `newsearch update` changes.
RUN newsearch build --index /srv/index

VOLUME ["/srv/index"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
CMD ["gunicorn", "--config", "python:webapp.gunicorn_conf", "webapp:create_app()"]
