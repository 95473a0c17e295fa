#!/usr/bin/env bash
# The load benchmark in one command (bench/README.md): installs wrk and nginx from Debian when
# they are missing, then runs bench/run.py with the project's virtual environment. Arguments go to
# bench/run.py, e.g. `bash bench/run.sh --registrants 2000 --applications 10000`.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)  # the load generator
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)  # the front server
if [ ${#missing[@]} -gt 0 ] && [[ " $* " != *" --no-nginx "* || " ${missing[*]} " == *" wrk "* ]]; then
  echo "Installing the Debian packages ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "No virtual environment at $VENV: run 'bash run.sh test' first (or set VENV)" >&2
  exit 2
fi
exec "$VENV/bin/python" bench/run.py "$@"
