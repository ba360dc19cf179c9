"""Several server processes on one port: uvicorn's supervisor, started from this module.

uvicorn starts each worker with multiprocessing's ``spawn`` method, and a spawned process
first runs the parent's ``__main__`` module again before it can answer the supervisor's
health check. Under the ``stockpile`` console script that module is the whole command line:
every command and everything they import. On a busy machine that took longer than the
health check allows, and the supervisor killed each worker as dead and started another,
which met the same fate. ``stockpile serve --workers N`` therefore replaces its own process
with ``python -m stockpile.service.supervisor`` (see :func:`command`): a worker then loads
this small module and the app it serves, never the command line.

The workers build their app with :func:`stockpile.service.app.app_from_env`, so the
database, the secret key and the other settings travel in ``STOCKPILE_*`` environment
variables.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

__all__ = ["APP", "command", "main", "run"]

APP = "stockpile.service.app:app_from_env"
"""The import string of the app factory each worker calls."""

_MODULE = "stockpile.service.supervisor"

# The supervisor's health check waits this long [s] for a worker to answer; a busy machine
# can stall a starting worker beyond uvicorn's default of 5 s.
_HEALTHCHECK_TIMEOUT_S = 60


def command(
    *, host: str, port: int, workers: int, trusted_proxies: Sequence[str] = ()
) -> list[str]:
    """The command line that runs :func:`run` with these options in a fresh interpreter.

    ``-P`` keeps the working directory off ``sys.path``, as under the console script.
    """
    argv = [sys.executable, "-P", "-m", _MODULE, "--host", host, "--port", str(port)]
    argv += ["--workers", str(workers)]
    for proxy in trusted_proxies:
        argv += ["--trusted-proxy", proxy]
    return argv


def run(*, host: str, port: int, workers: int, trusted_proxies: Sequence[str] = ()) -> None:
    """Serve :data:`APP` with ``workers`` processes sharing ``host:port`` until stopped.

    ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the addresses of
    ``trusted_proxies``; with none they are ignored, as in the single-process server.
    """
    proxies = list(trusted_proxies)
    uvicorn.run(
        APP,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
        timeout_worker_healthcheck=_HEALTHCHECK_TIMEOUT_S,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options written by :func:`command` and :func:`run` the server."""
    parser = argparse.ArgumentParser(prog=_MODULE, description="Several server processes.")
    parser.add_argument("--host", required=True, help="Address to listen on.")
    parser.add_argument("--port", type=int, required=True, help="Port to listen on.")
    parser.add_argument("--workers", type=int, required=True, help="Server processes.")
    parser.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        dest="trusted_proxies",
        help="Address of a reverse proxy whose forwarding headers are believed (repeatable).",
    )
    args = parser.parse_args(argv)
    run(
        host=args.host,
        port=args.port,
        workers=args.workers,
        trusted_proxies=args.trusted_proxies,
    )


if __name__ == "__main__":
    main()
