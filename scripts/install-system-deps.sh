#!/usr/bin/env bash
# Installs the PostgreSQL and Redis server binaries the app tests start as throwaway servers, and Node.js for
# pyright (the type checker of `make test`).
# Idempotent: does nothing when both are already present.
set -euo pipefail
have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; }
have_redis() { command -v redis-server >/dev/null 2>&1; }
have_node() { command -v node >/dev/null 2>&1; }
have_pgbench() { ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1 || command -v pgbench >/dev/null 2>&1; }
if have_pg && have_redis && have_pgbench && have_node; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: need PostgreSQL and Redis servers; run as root or: sudo apt-get install postgresql redis-server" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql postgresql-contrib redis-server nodejs >/dev/null
have_pg && have_redis && have_node || { echo "install-system-deps: install failed" >&2; exit 1; }
echo "install-system-deps: PostgreSQL and Redis installed"
