# The class server's image (docker-compose.yml): amalea_quack with the extra [server] only - no torch, no Streamlit.
#   docker build -f class-server.Dockerfile -t amalea-kursserver .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MLFLOW_DISABLE_TELEMETRY=true \
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false

RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin quack
WORKDIR /app

# Dependencies first (cached while only code changes), exactly as pinned in constraints.txt.
COPY --chown=10001:10001 pyproject.toml constraints.txt README.md ./
COPY --chown=10001:10001 amalea_quack/__init__.py amalea_quack/
RUN pip install --no-cache-dir -c constraints.txt -e ".[server]"

COPY --chown=10001:10001 amalea_quack/ amalea_quack/
RUN mkdir -p /kurs && chown 10001:10001 /kurs

USER 10001:10001
VOLUME /kurs
EXPOSE 5000

# --db is required here (the image has no PostgreSQL of its own); docker-compose.yml passes it.
CMD ["quack", "class-server", "--folder", "/kurs", "--host", "0.0.0.0", "--port", "5000"]
