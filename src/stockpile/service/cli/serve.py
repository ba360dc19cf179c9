"""``stockpile serve``: the REST API and the dashboard on one port."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

    from stockpile.service.settings import ServiceSettings

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
    workers: int = typer.Option(1, "--job-workers", min=1, max=16, help="Job threads."),
) -> None:
    """Serve the dashboard and the API (http://HOST:PORT/, API docs at /api/docs)."""
    import dataclasses

    from stockpile.ledger.database import resolve_database_url
    from stockpile.service.app import create_app
    from stockpile.service.settings import ServiceConfigError, ServiceSettings
    from stockpile.service.setup import prepare

    url = resolve_database_url(db)
    try:
        settings = ServiceSettings.from_env(database_url=url)
        settings = dataclasses.replace(settings, job_workers=workers)
    except ServiceConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    report = prepare(settings, demo=init_demo, admin=admin if init_demo else None)
    for line in report.lines():
        typer.echo(line)
    app = create_app(settings)
    interrupted = app.state.ctx.jobs.fail_interrupted()
    if interrupted:
        typer.echo(f"{interrupted} job(s) left unfinished by a previous run marked failed")
    typer.echo(f"Serving on http://{host}:{port}/  (API docs: http://{host}:{port}/api/docs)")
    uvicorn.Server(server_config(app, settings, host=host, port=port)).run()


def server_config(
    app: FastAPI, settings: ServiceSettings, *, host: str, port: int
) -> uvicorn.Config:
    """The uvicorn configuration of ``serve``.

    ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the addresses of
    ``settings.trusted_proxies``; with none listed they are ignored, even from loopback,
    so that a client cannot choose the address the login rate limit counts.
    """
    import uvicorn

    proxies = list(settings.trusted_proxies)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )
