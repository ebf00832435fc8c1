# quizbot: one process, the SQLite database on a volume, the configuration mounted read-only.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    QUIZBOT_CONFIG=/config/quizbot.yaml \
    QUIZBOT_DB=/data/quizbot.sqlite3
# No QUIZBOT_DECKS here: it would override `decks:` of a mounted configuration. The shipped configuration's
# `decks: [questions]` is /app/questions, relative to the working directory.

WORKDIR /app

RUN groupadd --system --gid 10001 quizbot \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app quizbot \
    && mkdir -p /data /config \
    && chown quizbot:quizbot /data

COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir .

COPY questions ./questions
COPY config/quizbot.yaml /config/quizbot.yaml

USER 10001:10001
VOLUME ["/data"]

# The running bot touches a heartbeat file beside the database; a stale one means the event loop is stuck.
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 CMD ["python", "-m", "bot", "health"]

# SIGTERM lets the bot finish queued writes, close the database and exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
