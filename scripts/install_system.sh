#!/usr/bin/env bash
# System packages the tests need, from Debian's repositories, installed only when missing:
#   chromium      — the real browser of the widget and staff-page tests (driven by Playwright; never `playwright install`)
#   fonts-noto-color-emoji — so the 👍 / 👎 feedback buttons render in that browser (and its screenshots)
#   postgresql    — private PostgreSQL instances for the scale-out test (started by the test harness, then removed)
#   redis-server  — private Redis instances for the lock store in the same test
#   nginx         — `nginx -t` checks deploy/nginx.conf (the reverse-proxy configuration) in the tests
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing system packages: ${missing[*]}. Install them with your package manager (this script knows apt-get only) and run 'make install' again." >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "error: missing system packages: ${missing[*]}. Run as root: apt-get install -y ${missing[*]} — then 'make install' again." >&2
    exit 1
  fi
fi
echo "==> System packages: apt-get install ${missing[*]} (one time; a few minutes)"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q || echo "warning: apt-get update failed; trying the install with the current package lists"
"${as_root[@]}" apt-get install -y -q "${missing[@]}"
