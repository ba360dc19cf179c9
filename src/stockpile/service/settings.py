"""Validated settings of the web service, injected into :func:`stockpile.service.app.create_app`."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ServiceConfigError", "ServiceSettings"]


class ServiceConfigError(ValueError):
    """A service setting is missing or invalid; the message names the setting."""


_MIN_SECRET_LEN = 32


@dataclass(frozen=True)
class ServiceSettings:
    """Everything the service needs to start; nothing is read at import time.

    Parameters
    ----------
    database_url
        SQLAlchemy URL of the ledger database (``sqlite:///path`` or
        ``postgresql+psycopg://...``).
    secret_key
        Key for the CSRF tokens (HMAC-SHA256); at least 32 characters.
    session_ttl_s
        Lifetime of a web session [s].
    token_ttl_s
        Lifetime of an API bearer token [s].
    login_max_failures
        Failed logins allowed per user name within ``login_window_s`` before further
        attempts for that name are refused with 429.
    login_max_failures_per_client
        Failed logins allowed per client address within ``login_window_s`` before every
        sign-in from that address is refused with 429. Behind a proxy that is not listed in
        ``trusted_proxies`` all clients share the proxy's address, so this limit then locks
        everyone out: list the proxy, or raise this limit.
    login_window_s
        Window of the login rate limit [s].
    job_workers
        Threads that run background jobs (simulations, plans).
    job_queue_limit
        Jobs one user may have queued or running at once; more are refused with 429.
    max_body_bytes
        Largest request body accepted; larger ones get 413 before they are parsed [byte].
    trusted_proxies
        Addresses of reverse proxies whose ``X-Forwarded-For`` / ``X-Forwarded-Proto``
        headers are believed (comma-separated in ``STOCKPILE_TRUSTED_PROXIES``); empty: the
        client address is the peer's address and forwarded headers are ignored.
    secure_cookies
        Mark cookies ``Secure`` (set when served behind HTTPS).
    argon2_time_cost, argon2_memory_kib, argon2_parallelism
        Argon2id parameters for password hashes (memory in [KiB]).
    """

    database_url: str
    secret_key: str = field(repr=False)
    session_ttl_s: int = 8 * 3600
    token_ttl_s: int = 30 * 24 * 3600
    login_max_failures: int = 5
    login_max_failures_per_client: int = 20
    login_window_s: int = 15 * 60
    job_workers: int = 1
    job_queue_limit: int = 4
    max_body_bytes: int = 1024 * 1024
    trusted_proxies: tuple[str, ...] = ()
    secure_cookies: bool = False
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4

    def __post_init__(self) -> None:
        _check_settings(self)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, database_url: str | None = None
    ) -> ServiceSettings:
        """Build settings from ``STOCKPILE_*`` environment variables.

        ``STOCKPILE_DATABASE_URL`` (or ``database_url``) is required;
        ``STOCKPILE_SECRET_KEY`` defaults to a fresh random key (sessions then end when the
        process stops).
        """
        env = os.environ if env is None else env
        url = database_url or env.get("STOCKPILE_DATABASE_URL")
        if not url:
            raise ServiceConfigError("database_url: not set (use --db or STOCKPILE_DATABASE_URL)")
        key = env.get("STOCKPILE_SECRET_KEY") or secrets.token_urlsafe(48)
        kwargs: dict[str, int] = {}
        for name in _INT_SETTINGS:
            raw = env.get(f"STOCKPILE_{name.upper()}")
            if raw is not None:
                try:
                    kwargs[name] = int(raw)
                except ValueError as exc:
                    raise ServiceConfigError(f"{name}: {raw!r} is not an integer") from exc
        secure = env.get("STOCKPILE_SECURE_COOKIES", "").lower() in {"1", "true", "yes"}
        proxies = tuple(
            p.strip() for p in env.get("STOCKPILE_TRUSTED_PROXIES", "").split(",") if p.strip()
        )
        return cls(
            database_url=url,
            secret_key=key,
            secure_cookies=secure,
            trusted_proxies=proxies,
            **kwargs,
        )


_INT_SETTINGS = (
    "session_ttl_s",
    "token_ttl_s",
    "login_max_failures",
    "login_max_failures_per_client",
    "login_window_s",
    "job_queue_limit",
    "max_body_bytes",
    "job_workers",
)


def _check_settings(s: ServiceSettings) -> None:
    if not s.database_url or "://" not in s.database_url:
        raise ServiceConfigError(f"database_url: {s.database_url!r} is not a SQLAlchemy URL")
    if len(s.secret_key) < _MIN_SECRET_LEN:
        raise ServiceConfigError(f"secret_key: must be at least {_MIN_SECRET_LEN} characters")
    for name in (
        "session_ttl_s",
        "token_ttl_s",
        "login_max_failures",
        "login_max_failures_per_client",
        "login_window_s",
        "job_workers",
        "job_queue_limit",
        "max_body_bytes",
        "argon2_time_cost",
        "argon2_memory_kib",
        "argon2_parallelism",
    ):
        value = getattr(s, name)
        if not isinstance(value, int) or value <= 0:
            raise ServiceConfigError(f"{name}: must be a positive integer, got {value!r}")
    for proxy in s.trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ServiceConfigError(
                f"trusted_proxies: {proxy!r} is not an IP address or network"
            ) from None
