#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# mkcerts.sh DIR: the certificates the Cloud stand-in serves, made fresh for
# each test run with $OPENSSL (default: openssl) in DIR:
#   ca.pem                  the test CA (what ca_file points at)
#   server.pem server.key   signed by the CA for 127.0.0.1 and localhost
#   wronghost.pem/.key      signed by the CA, but for wrong.example only
#   selfsigned.pem/.key     for 127.0.0.1, signed by nobody
set -eu
dir=$1
ssl=${OPENSSL:-openssl}
# Long enough for a trial run of the demo or a stand-in left running for weeks.
days=90

mkdir -p "$dir"
cd "$dir"

"$ssl" req -x509 -newkey rsa:2048 -nodes -days $days -subj "/CN=pam_prefect test CA" \
    -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# leaf NAME SAN: a key and a certificate signed by the test CA.
leaf() {
    "$ssl" req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr" 2>/dev/null
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2" > "$1.ext"
    "$ssl" x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days $days \
        -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
leaf server "IP:127.0.0.1,DNS:localhost"
leaf wronghost "DNS:wrong.example"

"$ssl" req -x509 -newkey rsa:2048 -nodes -days $days -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout selfsigned.key -out selfsigned.pem 2>/dev/null
chmod 0600 ./*.key
