"""Suite-wide settings: in CI (``CI=true``) property tests draw the same examples every run
and have no per-example deadline, so a red run is reproducible and never a timing accident."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
    settings.load_profile("ci")
