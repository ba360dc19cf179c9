"""The shell around the library: command line, REST API, dashboard and reports."""

__all__: list[str] = []
