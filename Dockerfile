# Referral Guide: the Telegram bot and the web channel in one small image.
#   docker build -t referral-guide .
#   docker run -d --name referral-guide --restart unless-stopped -p 8080:8080 \
#     -e TELEGRAM_BOT_TOKEN -v referral-data:/app/data referral-guide
# The web channel is on port 8080 (put it behind an HTTPS proxy). The web channel alone:
#   docker run -d -p 8080:8080 -v referral-data:/app/data referral-guide referral-bot web --host 0.0.0.0
# (its health check then needs: --health-cmd "referral-bot health --web-only").
# See docs/deploy.md for webhook mode and a self-hosted Bot API server, docs/web.md for the web.
#
# Reproducible: the build backend comes from requirements-build.lock and every package the image
# installs from requirements.lock, both pinned with hashes (scripts/lock refreshes them). The
# image installs the built wheel, which carries the flows, the trainers' figures and the web
# channel's templates and assets.
# tests/test_image_install.py replays these steps without Docker.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements-build.lock ./
RUN python -m pip install --no-cache-dir --require-hashes -r requirements-build.lock
COPY pyproject.toml README.md LICENSE ./
# bot/shipped-flows and bot/shipped-figures link to flows/ and data/figures/: copy all three.
COPY bot ./bot
COPY flows ./flows
COPY data/figures ./data/figures
RUN python -m pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
# Graphviz's 'dot' program renders the /diagram PNGs.
# hadolint ignore=DL3008 # the base tag fixes the Debian release; bookworm's security updates replace exact versions, so a pin would break the build.
RUN apt-get update \
 && apt-get install -y --no-install-recommends graphviz \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --no-log-init --uid 10001 --home-dir /app --shell /usr/sbin/nologin referral
ENV PATH=/opt/venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    REFERRAL_BOT_DB=/app/data/referral-bot.db \
    REFERRAL_BOT_SESSIONS_DB=/app/data/sessions.db \
    REFERRAL_BOT_WEB_PORT=8080
COPY requirements.lock /tmp/requirements.lock
COPY --from=build /wheels /tmp/wheels
# The locked dependencies (with the charts and diagrams extras) first, then the wheel alone;
# pip check fails the build if the lock no longer satisfies the wheel's requirements.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --require-hashes --no-deps -r /tmp/requirements.lock \
 && /opt/venv/bin/pip install --no-cache-dir --no-deps /tmp/wheels/*.whl \
 && /opt/venv/bin/pip check \
 && rm -rf /tmp/requirements.lock /tmp/wheels
WORKDIR /app
# The shipped flows are checked now, so that a broken flow fails the build.
RUN referral-bot validate \
 && mkdir -p /app/data \
 && chown referral:referral /app/data \
 && chmod 0700 /app/data
# Numeric, so that a runtime that only sees numbers (runAsNonRoot) knows it is not root.
USER 10001:10001
# Statistics, sessions and the heartbeat live here: mount a volume to keep them.
VOLUME ["/app/data"]
# 8080: the web channel. 8443: only in webhook mode (referral-bot run --webhook-url ... --port 8443).
EXPOSE 8080 8443
# Both channels: the bot's heartbeat is fresh and the web channel's /healthz answers.
HEALTHCHECK --interval=60s --timeout=10s --start-period=90s --retries=3 \
    CMD ["referral-bot", "health", "--max-age", "120"]
# Exec form: the bot is PID 1 and stops cleanly on SIGTERM.
CMD ["referral-bot", "run"]
