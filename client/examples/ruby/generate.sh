#!/usr/bin/env bash
# Generates the Ruby client from proto/ into ./generated (Debian: ruby-grpc-tools, ruby-grpc, ruby-google-protobuf).
# The .proto files' ruby_package option names the module: APIndicators::Webhooks::V1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
proto="$here/../../../proto/src/main/proto"
rm -rf "$here/generated" && mkdir -p "$here/generated"
grpc_tools_ruby_protoc -I "$proto" -I /usr/include --ruby_out="$here/generated" --grpc_out="$here/generated" \
  "$proto"/apindicators/webhooks/v1/*.proto
