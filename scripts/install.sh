#!/usr/bin/env bash
# Create .venv and install the pinned stack in two phases (see README, "How the install works").
# Idempotent: with an unchanged lock file and Python, it does nothing and returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
LOCK="requirements/lock.txt"
RASA_PINS="rasa==3.6.21 rasa-sdk==3.6.2"
STAMP="$VENV/.icm-installed"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "error: $PYTHON was not found. Install CPython 3.11 (for example: sudo apt-get install python3.11 python3.11-venv) and run 'make install PYTHON=python3.11'." >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if (3, 8) <= sys.version_info[:2] <= (3, 11) else 1)'; then
  echo "error: $("$PYTHON" -V 2>&1) is not supported: the assistant needs CPython 3.8 to 3.11 (3.11 recommended); install python3.11 and run 'make install PYTHON=python3.11'." >&2
  exit 1
fi

wanted="$(cat "$LOCK" scripts/install.sh | sha256sum | cut -d' ' -f1) $("$PYTHON" -V 2>&1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ] && [ -x "$VENV/bin/rasa" ]; then
  exit 0
fi

if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "error: $PYTHON has no venv/ensurepip module; install it (for example: sudo apt-get install python3-venv) and try again." >&2
  exit 1
fi

echo "==> Creating $VENV with $("$PYTHON" -V 2>&1)"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.3.1"
echo "==> Phase 1/2: every dependency, pinned ($LOCK, $(grep -c '==' "$LOCK") packages; the first time takes a few minutes)"
# --no-deps: the lock is the whole environment; it leaves out jax, which TensorFlow declares but does not need.
"$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar on --no-deps -r "$LOCK"
# A .venv made before jax was left out still has it: remove it (TensorFlow imports it when present).
"$VENV/bin/python" -m pip uninstall --disable-pip-version-check --quiet --yes jax jaxlib ml_dtypes 2>/dev/null || true
echo "==> Phase 2/2: $RASA_PINS (--no-deps --ignore-requires-python: they declare Python < 3.11 but run on 3.11)"
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install --disable-pip-version-check --quiet --no-deps --ignore-requires-python $RASA_PINS
"$VENV/bin/python" -c "import rasa, rasa_sdk, spacy; spacy.load('fr_core_news_sm')" 2>/dev/null || {
  echo "error: the install finished but rasa or the French spaCy model does not load; remove $VENV and run 'make install' again." >&2
  exit 1
}
echo "$wanted" > "$STAMP"
echo "==> Installed: rasa 3.6.21, rasa-sdk 3.6.2, spaCy with fr_core_news_sm in $VENV"
