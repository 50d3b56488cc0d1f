#!/usr/bin/env bash
# Long property-based run of tests/test_schemathesis.py: random seeds, many cases.
#   bench/fuzz.sh [examples per operation, default 2000]
# DATABASE_URL picks the database as for the test suite (SQLite when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_EXAMPLES="${1:-2000}" FUZZ_RANDOM=1
echo "schemathesis: ${FUZZ_EXAMPLES} random cases per operation against ${DATABASE_URL:-SQLite}"
exec .venv/bin/pytest -q -p no:cacheprovider tests/test_schemathesis.py
