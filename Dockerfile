# stagecoach: a static binary on a distroless base, run as a non-root user.
#
#   docker build -t stagecoach .
#   docker run -v stagecoach-data:/data -e STAGECOACH_SECRET_KEY=… -p 8080:8080 stagecoach serve --migrate
#
# deploy/README.md explains the configuration; compose.yaml runs PostgreSQL,
# two replicas and a TLS-terminating proxy.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY internal ./internal
COPY provider ./provider
COPY deploy/healthcheck ./deploy/healthcheck
# CGO_ENABLED=0: the SQLite driver is pure Go, so the binary is static.
ENV CGO_ENABLED=0
RUN go build -trimpath -ldflags='-s -w' -o /out/stagecoach ./cmd/stagecoach && \
    go build -trimpath -ldflags='-s -w' -o /out/healthcheck ./deploy/healthcheck && \
    mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/stagecoach /usr/local/bin/stagecoach
COPY --from=build /out/healthcheck /usr/local/bin/healthcheck
# The data folder: the SQLite database, and secret.key when
# STAGECOACH_SECRET_KEY is not set. Owned by the image's user (65532).
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
ENV STAGECOACH_DATA=/data \
    STAGECOACH_ADDR=0.0.0.0:8080
USER 65532:65532
EXPOSE 8080
# /readyz: the database answers and its schema is current.
HEALTHCHECK --interval=15s --timeout=6s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/healthcheck", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["/usr/local/bin/stagecoach"]
CMD ["serve"]
