#!/bin/sh
# Writes the interop test certificates to Tests/ResumableTLSTests/Fixtures/certs/.
#
#   ca.pem / ca.key.pem                 test root CA (ECDSA P-256)
#   other-ca.pem / other-ca.key.pem     unrelated root CA (ECDSA P-256), for negative tests
#   leaf-<kind>.pem                     leaf certificate for localhost (DNS:localhost, IP:127.0.0.1)
#   leaf-<kind>.key.pem                 its private key (PKCS#8 PEM)
#   leaf-<kind>.chain.pem               leaf + CA
#       kind: ecdsa-p256, ecdsa-p384, ed25519, rsa2048
#   client-ecdsa-p256.{pem,key.pem,chain.pem}   client certificate, CN=test-client
#
# Every certificate is valid for 100 years and carries serverAuth+clientAuth EKU.
# Usage: scripts/make-test-certs.sh [output-dir]
set -eu

cd "$(dirname "$0")/.."
OUT="${1:-Tests/ResumableTLSTests/Fixtures/certs}"
DAYS=36500
mkdir -p "$OUT"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# genkey <algorithm-args...> <out>: a PKCS#8 private key.
genkey() {
    out="$1"; shift
    openssl genpkey "$@" -out "$out" 2>/dev/null
}

make_ca() {
    name="$1"; cn="$2"
    genkey "$OUT/$name.key.pem" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
    openssl req -new -x509 -sha256 -days $DAYS -key "$OUT/$name.key.pem" \
        -subj "/O=swift-resumable-tls tests/CN=$cn" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" \
        -out "$OUT/$name.pem"
}

# make_leaf <file-stem> <common-name> <san> <genpkey args...>
make_leaf() {
    stem="$1"; cn="$2"; san="$3"; shift 3
    genkey "$OUT/$stem.key.pem" "$@"
    openssl req -new -key "$OUT/$stem.key.pem" -subj "/O=swift-resumable-tls tests/CN=$cn" \
        -out "$TMP/$stem.csr"
    cat > "$TMP/$stem.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
$san
EXT
    openssl x509 -req -sha256 -days $DAYS -in "$TMP/$stem.csr" \
        -CA "$OUT/ca.pem" -CAkey "$OUT/ca.key.pem" -set_serial "0x$(openssl rand -hex 8)" \
        -extfile "$TMP/$stem.ext" -out "$OUT/$stem.pem"
    cat "$OUT/$stem.pem" "$OUT/ca.pem" > "$OUT/$stem.chain.pem"
}

LOCALHOST_SAN="subjectAltName=DNS:localhost,IP:127.0.0.1"

make_ca ca "swift-resumable-tls test root CA"
make_ca other-ca "swift-resumable-tls unrelated CA"

make_leaf leaf-ecdsa-p256 localhost "$LOCALHOST_SAN" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
make_leaf leaf-ecdsa-p384 localhost "$LOCALHOST_SAN" -algorithm EC -pkeyopt ec_paramgen_curve:P-384
make_leaf leaf-ed25519 localhost "$LOCALHOST_SAN" -algorithm ED25519
make_leaf leaf-rsa2048 localhost "$LOCALHOST_SAN" -algorithm RSA -pkeyopt rsa_keygen_bits:2048
make_leaf client-ecdsa-p256 test-client "" -algorithm EC -pkeyopt ec_paramgen_curve:P-256

for f in "$OUT"/leaf-*.pem "$OUT"/client-*.pem; do
    case "$f" in *.key.pem|*.chain.pem) continue ;; esac
    openssl verify -CAfile "$OUT/ca.pem" "$f" > /dev/null
done
echo "wrote test certificates to $OUT"
