"""Password hashing (argon2id), opaque tokens and CSRF tokens."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import string
from collections.abc import Sequence

import zxcvbn
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

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
MAX_PASSWORD_LEN = 1024
MIN_PASSWORD_SCORE = 3
_ZXCVBN_PREFIX = 100  # zxcvbn's run time grows fast with length; longer tails only add strength


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


@functools.cache
def _dummy_hash(params: tuple[int, int, int, int, int, Type]) -> str:
    time_cost, memory_cost, parallelism, hash_len, salt_len, kind = params
    hasher = PasswordHasher(time_cost, memory_cost, parallelism, hash_len, salt_len, type=kind)
    return hasher.hash(secrets.token_urlsafe(24))


def verify_password(hasher: PasswordHasher, password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``password_hash`` (never raises on a mismatch).

    With ``password_hash=None`` (no such user) the password is checked against a dummy hash
    of the same parameters and the answer is False: the time taken does not tell whether
    a user name exists.
    """
    if password_hash is None:
        params = (
            hasher.time_cost,
            hasher.memory_cost,
            hasher.parallelism,
            hasher.hash_len,
            hasher.salt_len,
            hasher.type,
        )
        verify_password(hasher, _dummy_hash(params), password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str, *, user_inputs: Sequence[str] = ()) -> None:
    """Refuse a weak password (OWASP ASVS 2.1: length, breached and guessable passwords).

    A password must have at least 12 characters, must not be one of the 30,000 most common
    passwords of the list shipped with zxcvbn, and must reach zxcvbn's strength score 3 of
    4 (about 10^8 guesses), with ``user_inputs`` (user name, full name) counted as known.

    Raises
    ------
    PasswordPolicyError
        The message says why the password is refused.
    """
    if len(password) < MIN_PASSWORD_LEN:
        raise PasswordPolicyError(f"password: must be at least {MIN_PASSWORD_LEN} characters")
    if len(password) > MAX_PASSWORD_LEN:
        raise PasswordPolicyError(f"password: must be at most {MAX_PASSWORD_LEN} characters")
    if password.lower() in _common_passwords():
        raise PasswordPolicyError("password: is one of the most common passwords")
    inputs = [u for u in user_inputs if u]
    result = zxcvbn.zxcvbn(password[:_ZXCVBN_PREFIX], user_inputs=inputs)
    if result["score"] < MIN_PASSWORD_SCORE:
        feedback = result["feedback"]
        why = feedback.get("warning") or " ".join(feedback.get("suggestions", []))
        raise PasswordPolicyError(
            f"password: too easy to guess (strength {result['score']} of 4, "
            f"at least {MIN_PASSWORD_SCORE} needed)" + (f": {why}" if why else "")
        )


@functools.cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


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
