# syntax=docker/dockerfile:1
#
# One image for the three processes of the CSMS; the first argument picks which one runs:
#
#   docker build -t ocpp-csms:0.1.0 .
#   docker run --rm -e AMQP_URL=... -e MONGO_URL=... ocpp-csms:0.1.0 gateway   # or workers, api
#
# Multi-arch build and push (see deploy/README.md):
#
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     -t registry.example.com/csms/ocpp-csms:0.1.0 --push .
#
# The base image is pinned by tag. For reproducible production builds pin it by digest too:
#   docker buildx imagetools inspect python:3.11.14-slim-bookworm   # prints the digest
#   docker build --build-arg PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:<digest> ...
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# ---- build: a virtualenv with the project and its dependencies (binary wheels, no compiler) ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/csms
ENV PATH=/opt/csms/bin:$PATH
WORKDIR /src
# Dependencies change less often than the code: this layer is reused while pyproject.toml
# stays the same (the project itself is installed in the next step).
COPY pyproject.toml README.md ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt \
    && pip install --upgrade pip \
    && pip install --only-binary=:all: -r /tmp/requirements.txt
COPY shared ./shared
COPY store ./store
COPY gateway ./gateway
COPY workers ./workers
COPY api ./api
COPY bench ./bench
# Not editable: the code is copied into site-packages; /src is not part of the final image.
RUN pip install --no-deps . \
    && cd / && python -c "import shared.config, shared.schemas, store, gateway.server, workers.consumer, api.app"

# ---- runtime: the virtualenv, an entry point, a non-root user; no pip, no sources ----
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="ocpp-csms" \
      org.opencontainers.image.description="OCPP 2.0.1 CSMS: gateway, workers and operator API" \
      org.opencontainers.image.licenses="Apache-2.0"
# A numeric user, so that Kubernetes' runAsNonRoot can verify it (deploy/k8s uses 10001 too).
RUN groupadd --system --gid 10001 csms \
    && useradd --system --uid 10001 --gid csms --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin csms
COPY --from=build /opt/csms /opt/csms
COPY --chmod=0755 deploy/docker/entrypoint.sh /usr/local/bin/csms
ENV PATH=/opt/csms/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
USER 10001:10001
# 9000: stations (ws://), 9443: stations behind TLS passthrough, 8080: operator API,
# 8081: /healthz and /readyz.
EXPOSE 9000 9443 8080 8081
# The entry point execs Python, so the process gets SIGTERM directly and drains
# (gateway: asks stations to leave over GATEWAY_DRAIN_SECONDS; workers: stop consuming,
# finish and ack what they hold).
ENTRYPOINT ["csms"]
CMD ["--help"]
