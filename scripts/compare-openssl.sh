#!/usr/bin/env bash
# The loopback comparison now runs four servers (ours, openssl s_server, nginx, swift-nio-ssl):
# scripts/compare-servers.sh. This name stays for the commands cited in older notes.
set -euo pipefail
exec "$(dirname "$0")/compare-servers.sh" "$@"
