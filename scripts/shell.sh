#!/usr/bin/env bash
# Talk to the assistant in the terminal: start the action server in the background, then `rasa shell`.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/rasa run actions --port "$ACTION_PORT" --actions actions >var/actions-shell.log 2>&1 &
actions_pid=$!
trap 'kill "$actions_pid" 2>/dev/null; wait "$actions_pid" 2>/dev/null || true' EXIT
.venv/bin/rasa shell --model "$RASA_MODEL" --endpoints endpoints.yml --credentials credentials.yml
