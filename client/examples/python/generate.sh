#!/usr/bin/env bash
# Generates the Python client from proto/ into ./generated (Debian: protobuf-compiler, protobuf-compiler-grpc).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
proto="$here/../../../proto/src/main/proto"
rm -rf "$here/generated" && mkdir -p "$here/generated"
protoc -I "$proto" -I /usr/include --python_out="$here/generated" --grpc_out="$here/generated" \
  --plugin=protoc-gen-grpc="$(command -v grpc_python_plugin)" "$proto"/apindicators/webhooks/v1/*.proto
