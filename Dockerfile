# peerpulse: the bot in a slim image, running as a non-root user, with everything it keeps under /data.
#   docker build -t peerpulse .
#   docker run -d --name peerpulse -v peerpulse-data:/data -e PEERPULSE_DISCORD_TOKEN=... peerpulse
# /data holds config.toml (copy config.example.toml there and set [storage] path = "/data/peerpulse.db")
# and the SQLite database. See docs/deployment.md.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
COPY storage ./storage
RUN pip install --no-cache-dir --prefix=/install ".[postgres]"

FROM python:3.11-slim
LABEL org.opencontainers.image.title="peerpulse" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later" \
      org.opencontainers.image.description="A privacy-first bot for peer-support communities on Discord and Matrix"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib
COPY --from=build /install /usr/local
COPY config.example.toml /usr/share/peerpulse/config.example.toml
RUN groupadd --system --gid 10001 peerpulse \
 && useradd --system --uid 10001 --gid peerpulse --home-dir /data --shell /usr/sbin/nologin peerpulse \
 && mkdir -p /data && chown peerpulse:peerpulse /data
USER peerpulse:peerpulse
WORKDIR /data
VOLUME ["/data"]
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 \
    CMD ["peerpulse", "health", "--config", "/data/config.toml"]
ENTRYPOINT ["peerpulse"]
CMD ["run", "--config", "/data/config.toml"]
