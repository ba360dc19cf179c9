"""Password hashing (argon2id), opaque tokens and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from stockpile.service.settings import ServiceSettings

__all__ = [
    "PasswordPolicyError",
    "check_password_policy",
    "csrf_token",
    "csrf_valid",
    "generate_password",
    "hash_token",
    "new_token",
    "password_hasher",
    "verify_password",
]

MIN_PASSWORD_LEN = 12


class PasswordPolicyError(ValueError):
    """A new password is too weak; the message says why."""


def password_hasher(settings: ServiceSettings) -> PasswordHasher:
    """An argon2id hasher with the parameters of ``settings``."""
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    )


def verify_password(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash`` (never raises on a mismatch)."""
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str) -> None:
    """Refuse passwords shorter than 12 characters or made of one character class."""
    if len(password) < MIN_PASSWORD_LEN:
        raise PasswordPolicyError(f"password: must be at least {MIN_PASSWORD_LEN} characters")
    if len(set(password)) < 4:
        raise PasswordPolicyError("password: uses fewer than 4 distinct characters")


def generate_password(length: int = 20) -> str:
    """A random password from letters and digits (about 5.95 bits per character)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_token() -> str:
    """A fresh opaque secret for a session or a bearer token (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(secret_key: str, session_token_hash: str) -> str:
    """The CSRF token bound to one web session (HMAC-SHA256 of the session's hash)."""
    return hmac.new(secret_key.encode(), session_token_hash.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret_key: str, session_token_hash: str, candidate: str | None) -> bool:
    """Constant-time check of a submitted CSRF token."""
    if not candidate:
        return False
    return hmac.compare_digest(csrf_token(secret_key, session_token_hash), candidate)
