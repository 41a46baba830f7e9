#!/usr/bin/env bash
# Makes a development CA and certificates for the TLS variant of the stack, with openssl.
#
#   bash tls/make-certs.sh [OUT_DIR]      # default: tls/certs beside this script
#
# Writes:
#   ca.crt / ca.key                 the dev CA (gateways trust ca.crt: config `ca`)
#   collector.crt / collector.key   the collector's server certificate, valid for the names
#                                   otel-collector (compose network), localhost and 127.0.0.1
#   gateway.crt / gateway.key       a client certificate for mutual TLS (config `cert` / `key`)
#
# For development only: the keys are readable by the container user (the collector image runs
# as a non-root uid), and the CA key sits beside them. Use your own PKI in production.
# Refuses to overwrite existing files unless FORCE=1.
set -euo pipefail

OUT_DIR=${1:-"$(cd "$(dirname "$0")" && pwd)/certs"}
DAYS=${DAYS:-825}
SERVER_NAMES=${SERVER_NAMES:-"DNS:otel-collector,DNS:localhost,IP:127.0.0.1"}

command -v openssl >/dev/null 2>&1 || { echo "make-certs: openssl is not installed" >&2; exit 1; }
mkdir -p "$OUT_DIR"
if [ -e "$OUT_DIR/ca.crt" ] && [ "${FORCE:-0}" != "1" ]; then
  echo "make-certs: $OUT_DIR/ca.crt exists; set FORCE=1 to replace the CA and every certificate" >&2
  exit 1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
trap 'echo "make-certs: failed at line $LINENO (openssl output was hidden; rerun the line by hand)" >&2' ERR

# CA: a self-signed certificate that may sign others (and nothing below it may).
openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days "$DAYS" \
  -subj "/CN=Secure MCP Gateway dev CA" \
  -keyout "$OUT_DIR/ca.key" -out "$OUT_DIR/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# issue NAME CN EXTENSIONS
issue() {
  local name=$1 cn=$2 ext=$3
  openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=$cn" \
    -keyout "$OUT_DIR/$name.key" -out "$WORK/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" > "$WORK/$name.ext"
  openssl x509 -req -sha256 -days "$DAYS" -in "$WORK/$name.csr" \
    -CA "$OUT_DIR/ca.crt" -CAkey "$OUT_DIR/ca.key" -CAcreateserial -CAserial "$WORK/ca.srl" \
    -extfile "$WORK/$name.ext" -out "$OUT_DIR/$name.crt" 2>/dev/null
}

issue collector otel-collector "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$SERVER_NAMES"

issue gateway secure-mcp-gateway "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

chmod 644 "$OUT_DIR"/*.crt "$OUT_DIR"/collector.key "$OUT_DIR"/gateway.key
chmod 600 "$OUT_DIR/ca.key"
openssl verify -CAfile "$OUT_DIR/ca.crt" "$OUT_DIR/collector.crt" "$OUT_DIR/gateway.crt" >&2
echo "make-certs: wrote $OUT_DIR (CA, collector for $SERVER_NAMES, gateway client)" >&2
