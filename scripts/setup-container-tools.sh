#!/bin/sh
# Installs what the container test (go test ./test/container/) needs on a
# Debian/Ubuntu machine without a Docker engine: buildah builds the image,
# podman runs it with the runc runtime, ca-certificates provides the CA bundle
# copied into the image. Run as root (or with sudo). Idempotent.
set -eu

missing=""
for tool in buildah podman runc; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
[ -f /etc/ssl/certs/ca-certificates.crt ] || missing="$missing ca-certificates"

if [ -z "$missing" ]; then
	echo "container tools present: $(buildah --version); $(podman --version); $(runc --version | head -n1)"
	exit 0
fi

echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y buildah podman runc ca-certificates
echo "installed: $(buildah --version); $(podman --version); $(runc --version | head -n1)"
