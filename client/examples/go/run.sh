#!/usr/bin/env bash
# Builds and runs example.go offline: GOPATH mode over the generated code and Debian's Go libraries in
# /usr/share/gocode (golang-google-grpc-dev, golang-google-protobuf-dev), so no module download is needed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export GO111MODULE=off GOPATH="$here/generated:/usr/share/gocode" GOFLAGS=
go build -o "$here/generated/example" "$here/example.go"
exec "$here/generated/example" "$@"
