#!/usr/bin/env bash
# Generates the Go client from proto/ into ./generated/src (Debian: protobuf-compiler, protoc-gen-go, protoc-gen-go-grpc).
# The .proto files' go_package option names the import path: no M mappings needed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
proto="$here/../../../proto/src/main/proto"
rm -rf "$here/generated" && mkdir -p "$here/generated/src"
protoc -I "$proto" -I /usr/include --go_out="$here/generated/src" --go-grpc_out="$here/generated/src" \
  "$proto"/apindicators/webhooks/v1/*.proto
