# A small image running the daemon: fetch, publish and serve on port 8080, data in /data.
#   docker build -t aggregator .
#   docker run -d -p 8080:8080 -v aggregator-data:/data -e AGGREGATOR_BASE_URL=https://news.example.cn/ aggregator
# First start imports the starter catalog (feeds/); `docker exec CONTAINER aggregator sources list` and
# every other command work inside the container against the same data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    AGGREGATOR_DATA_DIR=/data AGGREGATOR_HOST=0.0.0.0 AGGREGATOR_PORT=8080

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY aggregator ./aggregator
COPY feeds ./feeds
COPY aggregator.toml ./
RUN pip install --no-cache-dir . && useradd --system --home /data aggregator && mkdir -p /data \
    && chown aggregator /data

USER aggregator
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=60s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"
CMD ["sh", "-c", "aggregator sources import feeds/ --if-empty && exec aggregator run"]
