#!/usr/bin/env bash
# Print the local secret NAME from var/secrets/NAME, creating a random one on first use (mode 600).
# Used by the Makefile for `make run` when RASA_API_TOKEN / ICM_STAFF_TOKEN are not set in the environment.
# Production sets its own secrets (docs/deployment.md); var/ is not in git.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/local_secret.sh NAME}"
file="var/secrets/$name"
if [ ! -s "$file" ]; then
  mkdir -p var/secrets
  chmod 700 var/secrets
  (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > "$file")
fi
cat "$file"
