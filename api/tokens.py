"""Bearer tokens: HS256 JWTs that carry only the user name and their lifetime.

Roles are not in the token: every request re-reads the account, so a disabled account
or a changed role takes effect at once, not when the token expires.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from domain.errors import AuthenticationError

ALGORITHM = "HS256"


def issue_token(username: str, secret: bytes, minutes: int, *, now: datetime | None = None) -> str:
    """A signed token for `username`, valid for `minutes`."""
    issued = now or datetime.now(UTC)
    claims = {"sub": username, "iat": issued, "exp": issued + timedelta(minutes=minutes)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, secret: bytes) -> str:
    """The user name in a valid token; any other token is an AuthenticationError."""
    try:
        # The algorithm is pinned: a token may not choose how it is checked ("none").
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "iat", "exp"]}
        )
    except jwt.PyJWTError:
        raise AuthenticationError("the token is missing, malformed or expired") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise AuthenticationError("the token names no account")
    return subject
