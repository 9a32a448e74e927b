# The bot as a small production image: pinned, hashed dependencies from the lock; runs as a user without rights.
# docker build -t gong-erase-bot . && docker run --env-file .env -p 3000:3000 gong-erase-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PORT=3000
RUN useradd --create-home --uid 10001 bot
WORKDIR /app

COPY requirements.txt ./
RUN pip install --require-hashes -r requirements.txt
COPY LICENSE ./
COPY bot ./bot

USER bot
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["python", "-c", "import os, sys, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz', timeout=4); sys.exit(0)"]
# As the Procfile: the package runs from /app, nothing else installed (only hashed files enter the image).
CMD ["python", "-m", "bot"]
