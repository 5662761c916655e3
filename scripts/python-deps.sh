#!/usr/bin/env bash
# Installs what the Python side needs (clients/python, examples/python-fastapi and their tests), the
# way a Python user would where a package index is reachable, with Debian's packages as the fallback:
#   1. nothing, when a Python here already has them (the one scripts/python.ts would pick);
#   2. a virtual environment, .venv, with `pip install -e 'clients/python[test]'` (pyproject's extras);
#   3. Debian's python3-* packages for /usr/bin/python3 (apt-get, as root or through sudo): for
#      machines that reach Debian's archive but no Python package index.
# The tests and `npm start -- --container python` find whichever of these has them.
set -euo pipefail
cd "$(dirname "$0")/.."

imports="import httpx, fastapi, uvicorn, pytest, mypy"
has_all() { "$1" -c "$imports" >/dev/null 2>&1; }

for python in "${PYTHON:-}" .venv/bin/python python3 /usr/bin/python3; do
  if [ -n "$python" ] && has_all "$python"; then
    echo "python-deps: $python has them all"
    exit 0
  fi
done

# 2. A virtual environment from the package index.
if command -v python3 >/dev/null 2>&1 && python3 -m venv .venv >/dev/null 2>&1; then
  echo "python-deps: pip install -e 'clients/python[test]' into .venv"
  if .venv/bin/python -m pip install --quiet --disable-pip-version-check --retries 0 --timeout 10 \
    -e 'clients/python[test]' >/dev/null 2>&1 && has_all .venv/bin/python; then
    echo "python-deps: done (.venv)"
    exit 0
  fi
  echo "python-deps: no Python package index answered; trying Debian's packages"
  rm -rf .venv
fi

# 3. Debian's packages.
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt_get() { apt-get "$@"; }
  elif command -v sudo >/dev/null 2>&1; then
    apt_get() { sudo apt-get "$@"; }
  else
    echo "python-deps: Debian's packages need root (or sudo), and no package index answered" >&2
    exit 1
  fi
  echo "python-deps: installing Debian's python3-httpx python3-fastapi python3-uvicorn python3-pytest python3-mypy"
  apt_get update -qq
  DEBIAN_FRONTEND=noninteractive apt_get install -y -qq --no-install-recommends \
    python3-httpx python3-fastapi python3-uvicorn python3-pytest python3-mypy >/dev/null
  if has_all /usr/bin/python3; then
    echo "python-deps: done (/usr/bin/python3)"
    exit 0
  fi
fi

echo "python-deps: could not install the Python packages: install Python ≥ 3.11 and run" >&2
echo "  python3 -m venv .venv && .venv/bin/pip install -e 'clients/python[test]'" >&2
exit 1
