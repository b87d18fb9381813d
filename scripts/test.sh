#!/usr/bin/env bash
# Run the whole test suite (sets the machine up first).
set -euo pipefail
cd "$(dirname "$0")/.."
RUTIN_FOR_TESTS=1 ./scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
