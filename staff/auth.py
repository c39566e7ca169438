"""The staff token: checked at start-up, as a Bearer header (API) or as a signed session cookie (page)."""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from typing import Optional

MIN_TOKEN_LENGTH = 16
COOKIE = "icm_staff_session"
SESSION_SECONDS = 12 * 3600


class TokenError(RuntimeError):
    """ICM_STAFF_TOKEN is missing or too short; the message says what to do."""


def staff_token() -> str:
    """ICM_STAFF_TOKEN, at least 16 characters."""
    token = os.environ.get("ICM_STAFF_TOKEN", "")
    if not token:
        raise TokenError(
            "ICM_STAFF_TOKEN is not set: the staff pages are not public. Set it to a secret of at least "
            f"{MIN_TOKEN_LENGTH} characters, e.g. export ICM_STAFF_TOKEN=$(python3 -c "
            "'import secrets; print(secrets.token_urlsafe(24))')"
        )
    if len(token) < MIN_TOKEN_LENGTH:
        raise TokenError(
            f"ICM_STAFF_TOKEN is too short ({len(token)} characters): use at least {MIN_TOKEN_LENGTH}."
        )
    return token


def same_token(given: Optional[str], token: str) -> bool:
    """Constant-time comparison."""
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def bearer(header: Optional[str]) -> Optional[str]:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _signature(token: str, issued: str) -> str:
    return hmac.new(token.encode(), f"staff-session:{issued}".encode(), hashlib.sha256).hexdigest()


def new_session(token: str, now: Optional[float] = None) -> str:
    """Cookie value: issue time and its HMAC with the token (the token itself is never sent back)."""
    issued = str(int(now if now is not None else time.time()))
    return f"{issued}.{_signature(token, issued)}"


def valid_session(value: Optional[str], token: str, now: Optional[float] = None) -> bool:
    """A cookie made by `new_session` with this token, less than SESSION_SECONDS old."""
    issued, _, signature = (value or "").partition(".")
    if not issued.isdigit():
        return False
    if not hmac.compare_digest(signature.encode(), _signature(token, issued).encode()):
        return False
    age = (now if now is not None else time.time()) - int(issued)
    return 0 <= age < SESSION_SECONDS
