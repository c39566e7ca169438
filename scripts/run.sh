#!/usr/bin/env bash
# `make run`: local secrets, the active channel set, then every process of the Procfile (honcho).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
# The Rasa HTTP API (used by the staff finder) and the staff pages need secrets: random local ones,
# kept in var/secrets/, unless the environment sets them (production: docs/deployment.md).
RASA_API_TOKEN="${RASA_API_TOKEN:-$(scripts/local_secret.sh rasa-api-token)}"
if [ -n "${ICM_STAFF_TOKEN:-}" ]; then
  ICM_STAFF_TOKEN_HINT="the value of ICM_STAFF_TOKEN"
else
  ICM_STAFF_TOKEN="$(scripts/local_secret.sh staff-token)"
  ICM_STAFF_TOKEN_HINT="cat var/secrets/staff-token"
fi
export RASA_API_TOKEN ICM_STAFF_TOKEN ICM_STAFF_TOKEN_HINT
# Messaging channels are on only when their variables are set (credentials.channels.yml).
.venv/bin/python -m channels.active_credentials --out var/credentials.active.yml
exec .venv/bin/honcho start -f Procfile
