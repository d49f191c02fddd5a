# syntax=docker/dockerfile:1
#
# knowledge-mcp container image.
#
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     --build-arg VERSION=$(git describe --tags --always) --build-arg COMMIT=$(git rev-parse HEAD) \
#     -t knowledge-mcp .
#
# The build stage always runs on the builder's own platform ($BUILDPLATFORM)
# and cross-compiles a static binary for $TARGETOS/$TARGETARCH, so one command
# yields a multi-arch image without emulation, and an image built on Apple
# Silicon still runs on x86_64 Fargate ("exec format error", pitfall P4).
# The runtime stage is scratch: the binary, CA certificates and an empty /tmp,
# run as a numeric non-root user. It has no shell and no curl, so the
# HEALTHCHECK is the binary's own "healthcheck" subcommand.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly
COPY go.mod go.sum ./
# go.mod replaces the go-sdk with the patched copy in third_party/go-sdk
# (third_party/go-sdk/PATCH.md); its go.mod must be there to download.
COPY third_party/go-sdk/go.mod third_party/go-sdk/go.sum third_party/go-sdk/
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS TARGETARCH
ARG VERSION=dev
ARG COMMIT=unknown
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags "-s -w -X github.com/knowledge-mcp/knowledge-mcp/internal/buildinfo.Version=${VERSION} -X github.com/knowledge-mcp/knowledge-mcp/internal/buildinfo.Commit=${COMMIT}" \
      -o /rootfs/knowledge-mcp ./cmd/knowledge-mcp \
 && mkdir -p /rootfs/etc/ssl/certs /rootfs/tmp \
 && chmod 1777 /rootfs/tmp \
 && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt

FROM scratch AS runtime
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="knowledge-mcp" \
      org.opencontainers.image.description="Knowledge bases for AI agents over the Model Context Protocol (streamable HTTP at :8080/mcp)" \
      org.opencontainers.image.source="https://github.com/knowledge-mcp/knowledge-mcp" \
      org.opencontainers.image.url="https://github.com/knowledge-mcp/knowledge-mcp" \
      org.opencontainers.image.documentation="https://github.com/knowledge-mcp/knowledge-mcp/blob/main/docs/deploy.md" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"
COPY --from=build /rootfs/ /
USER 65532:65532
ENV HOST=0.0.0.0 PORT=8080 SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["/knowledge-mcp", "healthcheck"]
ENTRYPOINT ["/knowledge-mcp"]
CMD ["serve"]
