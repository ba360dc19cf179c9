"""The shell around the library: command line, REST API, dashboard and reports.

The app factory is :func:`stockpile.service.app.create_app` (imported from its module so that
the command line starts without loading the web stack); ``stockpile serve`` runs it.
"""

from stockpile.service.permissions import PERMISSIONS, Permission, Role
from stockpile.service.settings import ServiceConfigError, ServiceSettings

__all__ = ["PERMISSIONS", "Permission", "Role", "ServiceConfigError", "ServiceSettings"]
