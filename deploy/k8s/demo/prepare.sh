#!/usr/bin/env bash
# Prepares deploy/k8s/demo for `kubectl apply -k` (both ignored by git, beside this script):
# web/, a copy of the repository's page for ConfigMap tickerd-web (kustomize reads files only
# below the kustomization), and throwaway secrets in secrets/: a
# demo CA, a P-256 certificate for the edge Service's names signed by it (secrets/ca.crt for
# clients: curl --cacert) and a P-256 key pair for [auth] ES256 tokens (jwt-private.pem mints
# them, as in docs/OPERATIONS.md "A JWT walk-through"; public.pem goes to the edges). Never use
# them for anything real.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$here/web"
cp -r "$here/../../../web" "$here/web"
dir="$here/secrets"
mkdir -p "$dir"
cd "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 30 -subj "/CN=tickerd demo CA" 2>/dev/null
openssl req "${ec[@]}" -keyout tls.key -out tls.csr -subj "/CN=tickerd-edge" 2>/dev/null
printf 'subjectAltName=DNS:tickerd-edge,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > tls.ext
openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -set_serial 2 -days 30 \
  -extfile tls.ext -out tls.crt 2>/dev/null
rm -f tls.csr tls.ext
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out jwt-private.pem 2>/dev/null
openssl pkey -in jwt-private.pem -pubout -out public.pem
chmod 600 ca.key tls.key jwt-private.pem
echo "deploy/k8s/demo: web/ and secrets/ ready"
