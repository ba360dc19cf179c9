"""``stockpile serve``: the REST API and the dashboard on one port."""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import TYPE_CHECKING

import typer
import uvicorn

from stockpile.ledger.database import resolve_database_url
from stockpile.service import supervisor
from stockpile.service.errors import ServiceError
from stockpile.service.settings import ServiceConfigError, ServiceSettings
from stockpile.service.setup import prepare

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["app", "server_config"]

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Serve the REST API and the dashboard.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback(invoke_without_command=True)
def serve(
    db: str | None = typer.Option(
        None, "--db", help="Database URL (default: STOCKPILE_DATABASE_URL or the SQLite file)."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    init_demo: bool = typer.Option(
        False,
        "--init-demo",
        help="Migrate the database, load the demo stockpile if it is empty and create an "
        "administrator with a generated password (printed once) if there is none.",
    ),
    admin: str = typer.Option("admin", "--admin", help="User name of the administrator."),
    job_workers: int = typer.Option(1, "--job-workers", min=1, max=16, help="Job threads."),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=32,
        help="Server processes sharing the port (SQLite in WAL mode, or PostgreSQL).",
    ),
) -> None:
    """Serve the dashboard and the API (http://HOST:PORT/, API docs at /api/docs).

    Each process serves at most 16 requests at once, queues up to 64 more for at most 1 s
    and answers the rest at once with 503 and `Retry-After`.
    """
    # The web stack (routes, pages, charts; about 1 s) is loaded by this command only.
    from stockpile.service.app import create_app

    url = resolve_database_url(db)
    try:
        settings = ServiceSettings.from_env(database_url=url)
        settings = dataclasses.replace(settings, job_workers=job_workers)
    except ServiceConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if workers > 1 and url.startswith("sqlite") and (":memory:" in url or url.endswith("://")):
        typer.echo("error: --workers: several processes need a database file or PostgreSQL")
        raise typer.Exit(2)
    try:
        report = prepare(settings, demo=init_demo, admin=admin if init_demo else None)
    except ServiceError as exc:
        typer.echo(f"error: {exc.field + ': ' if exc.field else ''}{exc.detail}", err=True)
        raise typer.Exit(2) from None
    for line in report.lines():
        typer.echo(line)
    app = create_app(settings)
    interrupted = app.state.ctx.jobs.fail_interrupted()
    if interrupted:
        typer.echo(f"{interrupted} job(s) left unfinished by a previous run marked failed")
    typer.echo(f"Serving on http://{host}:{port}/  (API docs: http://{host}:{port}/api/docs)")
    if workers == 1:
        uvicorn.Server(server_config(app, settings, host=host, port=port)).run()
        return
    # Several processes: each builds its app from the environment, with one shared secret
    # key so that sessions and CSRF tokens are valid in every process. This process becomes
    # the supervisor, started from a module of its own so that a worker does not import the
    # command line again (see stockpile.service.supervisor).
    app.state.ctx.jobs.shutdown()
    app.state.ctx.db.dispose()
    os.environ["STOCKPILE_DATABASE_URL"] = url
    os.environ["STOCKPILE_SECRET_KEY"] = settings.secret_key
    os.environ["STOCKPILE_JOB_WORKERS"] = str(job_workers)
    argv = supervisor.command(
        host=host, port=port, workers=workers, trusted_proxies=settings.trusted_proxies
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)


def server_config(
    app: FastAPI, settings: ServiceSettings, *, host: str, port: int
) -> uvicorn.Config:
    """The uvicorn configuration of ``serve``.

    ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the addresses of
    ``settings.trusted_proxies``; with none listed they are ignored, even from loopback,
    so that a client cannot choose the address the login rate limit counts.
    """
    proxies = list(settings.trusted_proxies)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )
