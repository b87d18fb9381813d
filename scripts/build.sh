#!/usr/bin/env bash
# Build every shipped routine in routines/ into output/ (sets the machine up first).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/rutin build routines "$@"
