# Zapis: one process, `python run.py`. See README.md ("With Docker Compose").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1

RUN pip install --no-cache-dir uv \
    && useradd --create-home --uid 10001 zapis

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project --no-cache

COPY . .
RUN uv sync --locked --no-dev --no-cache \
    && mkdir -p /app/data \
    && chown zapis:zapis /app/data

USER zapis
VOLUME ["/app/data"]

CMD ["uv", "run", "--no-sync", "python", "run.py"]
