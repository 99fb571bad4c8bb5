# syntax=docker/dockerfile:1
# talent for a team: `talent serve` runs the app and the schedule of the settings file.
#
#   docker build -t talent .
#   docker run -d -p 127.0.0.1:8501:8501 --env-file .env \
#       -v talent-state:/var/lib/talent -v "$PWD/talent.toml:/etc/talent/talent.toml:ro" talent
#
# compose.yaml adds PostgreSQL; README "Run it for a team" has the whole set-up. The image
# holds no secret and no settings: the settings file is mounted, the secrets it names come
# from the environment (an env file, never a build argument), and the privacy key is made
# on first start in the /var/lib/talent volume, which must outlive the container.

FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
# Wheels of the checkout and of everything it needs, the PostgreSQL driver (psycopg, the
# postgres extra) included: the image installs these and keeps no source tree.
RUN pip wheel --no-cache-dir --wheel-dir /wheels '.[postgres]'

FROM python:3.11-slim

# git reads the local clones a [schedule] git entry names. The version is the base
# image's Debian release's (hadolint DL3008 wants a pin; a pinned Debian version
# disappears from the mirror at its next security update and breaks the build).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

# Only the wheels built above, no index: nothing is resolved twice, and the wheels are
# mounted for this step (BuildKit, Docker's builder since 23.0), not copied into a layer.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index /wheels/*.whl

# A user of its own; its home is the state volume: the privacy key, the sign-in cookie
# secret kept beside it, and the SQLite store when TALENT_DB names no server.
RUN groupadd --system --gid 10001 talent \
    && useradd --system --uid 10001 --gid talent --home-dir /var/lib/talent --create-home \
        --shell /usr/sbin/nologin talent
ENV PYTHONUNBUFFERED=1 \
    TALENT_KEY_FILE=/var/lib/talent/privacy.key
WORKDIR /var/lib/talent
VOLUME ["/var/lib/talent"]
USER 10001:10001

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["talent", "health", "--url", "http://127.0.0.1:8501"]
# 0.0.0.0 only with sign-in: talent serve refuses it when the settings have no [auth].
CMD ["talent", "serve", "--config", "/etc/talent/talent.toml", "--address", "0.0.0.0", "--port", "8501", "--headless"]
