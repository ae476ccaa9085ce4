# Referral Guide: the Telegram bot and the web channel in one small image.
#   docker build -t referral-guide .
#   docker run -d --name referral-guide --restart unless-stopped -p 8080:8080 \
#     -e TELEGRAM_BOT_TOKEN -v referral-data:/app/data referral-guide
# The web channel is on port 8080 (put it behind an HTTPS proxy). The web channel alone:
#   docker run -d -p 8080:8080 -v referral-data:/app/data referral-guide referral-bot web --host 0.0.0.0
# (its health check then needs: --health-cmd "referral-bot health --web-only").
# See docs/deploy.md for webhook mode and a self-hosted Bot API server, docs/web.md for the web.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
# The diagrams extra draws /diagram as a PNG; the charts extra draws the /stats chart.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install ".[diagrams,charts]"

FROM python:3.11-slim-bookworm
# Graphviz's 'dot' program renders the /diagram PNGs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends graphviz \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --no-log-init --uid 10001 --home-dir /app --shell /usr/sbin/nologin referral
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    REFERRAL_BOT_FLOWS=/app/flows \
    REFERRAL_BOT_DB=/app/data/referral-bot.db \
    REFERRAL_BOT_SESSIONS_DB=/app/data/sessions.db \
    REFERRAL_BOT_WEB_PORT=8080
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# The flows are baked in, and checked now so that a broken flow fails the build.
COPY flows ./flows
RUN referral-bot validate flows \
 && mkdir -p /app/data \
 && chown referral:referral /app/data \
 && chmod 0700 /app/data
USER referral
# Statistics, sessions and the heartbeat live here: mount a volume to keep them.
VOLUME ["/app/data"]
# 8080: the web channel. 8443: only in webhook mode (referral-bot run --webhook-url ... --port 8443).
EXPOSE 8080 8443
# Both channels: the bot's heartbeat is fresh and the web channel's /healthz answers.
HEALTHCHECK --interval=60s --timeout=10s --start-period=90s --retries=3 \
    CMD ["referral-bot", "health", "--max-age", "120"]
# Exec form: the bot is PID 1 and stops cleanly on SIGTERM.
CMD ["referral-bot", "run"]
