"""Load shedding: a bounded number of requests in service, a bounded queue, 503 for the rest.

Each request served by the app holds one pooled database connection and, while it runs
synchronous code, one worker thread. Without a bound, a backlog lets every thread wait for a
connection held by a request that is itself waiting for a thread. :class:`LoadShedder`
admits at most ``slots`` requests at once (no more than the connection pool holds), queues up
to ``queue`` more for at most ``max_wait_s`` and answers anything beyond that at once with
``503 Service Unavailable`` and a ``Retry-After`` header, so an overloaded server stays
responsive and clients know to come back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["LoadLimits", "LoadShedder", "LoadStats"]


@dataclass(frozen=True)
class LoadLimits:
    """How much one server process takes on.

    Parameters
    ----------
    slots
        Requests served at once (at most the database pool's size).
    queue
        Requests waiting for a slot; more are refused with 503 at once.
    max_wait_s
        Longest wait for a slot before the request is refused with 503 [s].
    retry_after_s
        The ``Retry-After`` advice of a 503 [s].
    """

    slots: int = 16
    queue: int = 64
    max_wait_s: float = 1.0
    retry_after_s: int = 1

    def __post_init__(self) -> None:
        if self.slots < 1 or self.queue < 0 or self.max_wait_s < 0 or self.retry_after_s < 0:
            raise ValueError(f"invalid load limits {self!r}")


@dataclass
class LoadStats:
    """Counters of a :class:`LoadShedder` since it started."""

    admitted: int = 0
    queued: int = 0
    shed_full: int = 0
    shed_timeout: int = 0


_BODY = json.dumps(
    {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "the server is busy; retry after the time given in Retry-After",
    }
).encode()


class LoadShedder:
    """ASGI middleware admitting at most ``limits.slots`` HTTP requests at once."""

    def __init__(self, app: ASGIApp, limits: LoadLimits | None = None) -> None:
        self.app = app
        self.limits = limits or LoadLimits()
        self.stats = LoadStats()
        self._active = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not await self._acquire():
            await self._refuse(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    async def _acquire(self) -> bool:
        limits = self.limits
        if self._active < limits.slots and not self._waiters:
            self._active += 1
            self.stats.admitted += 1
            return True
        if len(self._waiters) >= limits.queue:
            self.stats.shed_full += 1
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self.stats.queued += 1
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout=limits.max_wait_s)
        except TimeoutError:
            if waiter.done():  # handed a slot just as the wait ran out: keep it
                self.stats.admitted += 1
                return True
            self._waiters.remove(waiter)
            waiter.cancel()
            self.stats.shed_timeout += 1
            return False
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release()
            else:
                self._remove(waiter)
            raise
        self.stats.admitted += 1
        return True  # the slot was handed over by _release: _active already counts it

    def _remove(self, waiter: asyncio.Future[None]) -> None:
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)
        waiter.cancel()

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # hand the slot over; _active stays the same
                return
        self._active -= 1

    async def _refuse(self, send: Send) -> None:
        headers: list[tuple[bytes, bytes]] = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(_BODY)).encode()),
            (b"retry-after", str(self.limits.retry_after_s).encode()),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": _BODY})
