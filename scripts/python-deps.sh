#!/usr/bin/env bash
# The Python side (clients/python, examples/python-fastapi) runs on Debian's system Python,
# /usr/bin/python3: no Python package index is reachable from these machines, Debian's archive is.
# Installs what is missing (httpx for the client; FastAPI and uvicorn for the example app; pytest
# and mypy for the tests), and nothing when all is there. Needs root for apt-get.
set -euo pipefail

PYTHON=/usr/bin/python3
missing=()
for pair in httpx:python3-httpx fastapi:python3-fastapi uvicorn:python3-uvicorn pytest:python3-pytest mypy:python3-mypy; do
  module=${pair%%:*}
  package=${pair#*:}
  "$PYTHON" -c "import $module" 2>/dev/null || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "python-deps: all present"
  exit 0
fi

echo "python-deps: installing ${missing[*]}"
apt_get() { if [ "$(id -u)" -eq 0 ]; then apt-get "$@"; else sudo apt-get "$@"; fi; }
apt_get update -qq
DEBIAN_FRONTEND=noninteractive apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
"$PYTHON" -c "import httpx, fastapi, uvicorn, pytest, mypy" && echo "python-deps: done"
