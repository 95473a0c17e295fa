#!/usr/bin/env bash
# The load benchmark in one command (bench/README.md): installs wrk from Debian when it is
# missing, then runs bench/run.py with the project's virtual environment. Arguments go to
# bench/run.py, e.g. `bash bench/run.sh --registrants 2000 --applications 10000`.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v wrk >/dev/null 2>&1; then
  echo "Installing the Debian package wrk (the load generator)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends wrk
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "No virtual environment at $VENV: run 'bash run.sh test' first (or set VENV)" >&2
  exit 2
fi
exec "$VENV/bin/python" bench/run.py "$@"
