# The course apps in a container: the hub with all apps on port 8501, like `make start`.
#   docker build -t amalea-quack .
#   docker run --rm -p 8501:8501 amalea-quack            # then http://127.0.0.1:8501
#   docker run --rm -p 8501:8501 -e MLFLOW_TRACKING_URI=http://server:5000 amalea-quack   # a class tracking server
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MLFLOW_DISABLE_TELEMETRY=true

RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin quack
WORKDIR /app

# Dependencies first (cached while only code changes): the exact pins of constraints.txt,
# torch==2.13.0 as the CPU build from PyTorch's CPU index.
COPY --chown=10001:10001 pyproject.toml constraints.txt README.md ./
COPY --chown=10001:10001 amalea_quack/__init__.py amalea_quack/
RUN pip install --no-cache-dir -c constraints.txt \
        --extra-index-url https://download.pytorch.org/whl/cpu \
        -e ".[deep,apps]"

# The repository itself (see .dockerignore); the embedded MLflow store lives in /app/mlflow-store.
COPY --chown=10001:10001 . .
RUN mkdir -p /app/mlflow-store && chown 10001:10001 /app /app/mlflow-store

USER 10001:10001
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"]

# As `make start`: make sure the course models are released, then serve the hub.
CMD ["/bin/sh", "-c", "quack setup && exec streamlit run apps/hub.py --server.address 0.0.0.0 --server.port 8501 --server.headless true --browser.gatherUsageStats false"]
