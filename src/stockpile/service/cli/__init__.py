"""The ``stockpile`` command line (Typer).

Each concern has its own module with its own Typer sub-application; :mod:`.main` assembles
them. Nothing is computed at import time.
"""

from stockpile.service.cli.main import app, main

__all__ = ["app", "main"]
