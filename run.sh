#!/usr/bin/env bash
# The two set-up commands (README): `bash run.sh serve` and `bash run.sh test`.
# Both are idempotent: a second run reuses the virtual environment and the packages.
set -euo pipefail
cd "$(dirname "$0")"

VENV=${VENV:-.venv}
RUNTIME_DEBS="fonts-ipaexfont libharfbuzz-subset0"
TEST_DEBS="chromium poppler-utils"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

debian_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

python_packages() {  # $1: requirements file; reinstalls only when it changed
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  local stamp="$VENV/.installed-$(cat "$1" requirements.txt | sha1sum | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q -r "$1"
    touch "$stamp"
  fi
}

compile_translations() { "$VENV/bin/pybabel" compile -d translations >/dev/null; }

case "${1:-}" in
  serve)
    debian_packages $RUNTIME_DEBS
    python_packages requirements.txt
    compile_translations
    export FLASK_APP=app
    "$VENV/bin/flask" db upgrade
    "$VENV/bin/flask" seed-demo
    "$VENV/bin/flask" doctor || true
    echo "Serving on http://127.0.0.1:5000 (demo accounts in the README; Ctrl-C stops)"
    exec "$VENV/bin/flask" run --host 127.0.0.1 --port 5000
    ;;
  test)
    shift
    debian_packages $RUNTIME_DEBS $TEST_DEBS
    python_packages requirements-dev.txt
    compile_translations
    echo "== tests on SQLite"
    env -u TEST_DATABASE_URL "$VENV/bin/pytest" -n 2 -m "not postgres" --durations=15 "$@"
    if [ -n "${TEST_DATABASE_URL:-}" ]; then
      echo "== tests on PostgreSQL ($TEST_DATABASE_URL)"
      "$VENV/bin/pytest" -n 2 --durations=15 "$@"
    else
      echo "== TEST_DATABASE_URL is not set: the PostgreSQL run is skipped"
    fi
    ;;
  *)
    echo "usage: bash run.sh serve | bash run.sh test [pytest arguments]" >&2
    exit 2
    ;;
esac
