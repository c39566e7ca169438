#!/usr/bin/env bash
# Wait until both servers answer, then say where to talk to the assistant; stay alive for honcho.
set -u
for _ in $(seq 1 300); do
  if curl -fs "http://127.0.0.1:${RASA_PORT}/" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:${ACTION_PORT}/health" >/dev/null 2>&1; then
    cat <<MSG
============================================================================
 The ICM assistant is ready (Ctrl-C stops it).
   Widget:    http://localhost:${WEB_PORT}/   (demo page with the chat widget)
   REST:      curl -s localhost:${RASA_PORT}/webhooks/rest/webhook -d '{"sender":"a","message":"Bonjour"}'
   socket.io: http://localhost:${RASA_PORT}/socket.io
   Staff:     http://localhost:${STAFF_PORT}/   (answer finder; token: ${ICM_STAFF_TOKEN_HINT:-var/secrets/staff-token})
   Terminal:  make shell   (in another terminal, while this one is stopped)
   Conversations are kept in ${RASA_TRACKER_DB}.
============================================================================
MSG
    exec sleep infinity
  fi
  sleep 1
done
echo "The servers did not answer within 5 minutes: read the 'rasa' and 'actions' lines above for the error." >&2
exec sleep infinity
