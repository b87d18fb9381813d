#!/usr/bin/env bash
# Refresh the dependency locks from pyproject.toml's ranges (run after changing a dependency):
#   requirements.txt          what ./scripts/build.sh installs
#   requirements/test.txt     runtime + test extras, what ./scripts/test.sh installs
# Both carry sha256 hashes for every file of every pinned release (pip --require-hashes) and
# hold for any platform (uv --universal), with Python 3.11 as the floor.
# Extra arguments go to uv, e.g. `./scripts/lock.sh --upgrade` or `--upgrade-package rich`.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
UV="${UV:-}"
if [ -z "$UV" ]; then
  if [ ! -x .venv/lock-tools/bin/uv ] || ! .venv/lock-tools/bin/uv --version | grep -q "$UV_VERSION"; then
    python3 -m venv .venv/lock-tools
    .venv/lock-tools/bin/python -m pip install -q "uv==$UV_VERSION"
  fi
  UV=.venv/lock-tools/bin/uv
fi
export UV_CUSTOM_COMPILE_COMMAND="./scripts/lock.sh"
# --no-strip-extras: a pin keeps the extras its dependents ask for (fonttools[woff]==…). pip before
# 23.3 (Debian 12 ships 23.0.1) otherwise treats `fonttools[woff]>=…` from WeasyPrint as a new,
# unpinned requirement and --require-hashes refuses it, or, once upstream releases a newer
# version, resolves that one and refuses its hash. tests/test_lock_old_pip.py installs both locks
# with pip 23.0.1.
common=(pip compile --quiet --universal --python-version 3.11 --generate-hashes
        --no-strip-extras --no-header --index-url https://pypi.org/simple)
"$UV" "${common[@]}" "$@" pyproject.toml requirements/build.in -o requirements.txt
"$UV" "${common[@]}" "$@" --extra test pyproject.toml requirements/build.in \
  -o requirements/test.txt
echo "Uppdaterade requirements.txt och requirements/test.txt" >&2
