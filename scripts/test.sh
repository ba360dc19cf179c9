#!/usr/bin/env bash
# The whole test suite: SQLite by default, and the PostgreSQL-backed tests against a
# throwaway server on loopback that this script starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/browser.sh
pgdir=$(mktemp -d /tmp/stockpile-pg.XXXXXX)
chmod 755 "$pgdir"
trap 'bash scripts/pg.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
STOCKPILE_TEST_PG_URL=$(bash scripts/pg.sh start "$pgdir" "${STOCKPILE_TEST_PG_PORT:-54329}")
export STOCKPILE_TEST_PG_URL
echo "PostgreSQL for tests: $STOCKPILE_TEST_PG_URL"
.venv/bin/python -m pytest -q "$@"
