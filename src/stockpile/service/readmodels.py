"""Read models cached on the state of the books, with ETags for conditional GETs.

Every ledger operation locks and advances the journal head (its ``lock_count`` counts the
committed operations, ``last_seq`` the entries), so the pair names one state of the books. A
read model (holdings, a journal page...) computed from the books is kept with that version
and served again, without recomputation, until the books change; the version is also the
response's ``ETag``, and a ``GET`` with a matching ``If-None-Match`` is answered
``304 Not Modified`` without a body.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.ledger.models import JournalHead

__all__ = ["ReadModelCache", "books_version", "cached_read"]


def books_version(session: Session) -> str:
    """The version of the books: committed operations and journal entries, as ``"ops.seq"``."""
    row = session.execute(
        select(JournalHead.lock_count, JournalHead.last_seq).where(JournalHead.id == 1)
    ).first()
    return "0.0" if row is None else f"{row.lock_count}.{row.last_seq}"


class ReadModelCache:
    """Rendered read models by (path, query), each with the books' version it was computed on.

    Least recently used entries beyond ``max_entries`` are dropped.
    """

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, version: str) -> bytes | None:
        """The body stored under ``key`` if it was computed on ``version``."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is None or hit[0] != version:
                return None
            self._entries.move_to_end(key)
            return hit[1]

    def put(self, key: str, version: str, body: bytes) -> None:
        """Store ``body`` computed on ``version``."""
        with self._lock:
            self._entries[key] = (version, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def _etag(version: str, key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f'W/"{version}-{digest}"'


def cached_read(
    request: Request, session: Session, cache: ReadModelCache, compute: Callable[[], Any]
) -> Response:
    """Answer a GET from ``cache`` while the books are unchanged, else from ``compute()``.

    The cache key is the request's path and query plus the day (UTC), since some read models
    depend on the date. ``compute`` returns anything :func:`jsonable_encoder` renders.
    """
    query = "&".join(sorted(request.url.query.split("&"))) if request.url.query else ""
    key = f"{request.url.path}?{query}@{dt.datetime.now(dt.UTC).date().isoformat()}"
    version = books_version(session)
    etag = _etag(version, key)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    asked = request.headers.get("if-none-match", "")
    if etag in {tag.strip() for tag in asked.split(",")}:
        return Response(status_code=304, headers=headers)
    body = cache.get(key, version)
    if body is None:
        body = bytes(JSONResponse(jsonable_encoder(compute())).body)
        cache.put(key, version, body)
    return Response(content=body, media_type="application/json", headers=headers)
