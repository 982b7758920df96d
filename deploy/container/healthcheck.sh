#!/bin/bash
# The image's HEALTHCHECK: GET /healthz on loopback with bash's /dev/tcp (no curl in the image).
# Exit 0 on HTTP 200, 1 otherwise. TICKERD_HEALTH_PORT: the port tickerd serves on (8080).
port=${TICKERD_HEALTH_PORT:-8080}
exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 2 status <&3 || exit 1
[[ "$status" == "HTTP/1.1 200 "* ]]
