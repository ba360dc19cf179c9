"""Group commit: one thread posts the operations of many concurrent writers in batches.

Each writer hands its work (a function of a session that runs ledger operations) to
:meth:`Appender.submit` and waits. The appender's thread takes every piece of work waiting
(up to ``max_group``), runs them in one posting batch (:func:`stockpile.ledger.batch`: one
lock of the journal, one multi-row INSERT of the entries, the head updated once, one commit)
and then answers each writer with its result; a piece of work the ledger refuses is answered
with its refusal and the group runs again without it. While one group commits, the next one
gathers, so more writers mean larger groups and fewer commits per entry rather than a queue
on the journal's lock.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from stockpile.ledger._ops import batch

__all__ = ["Appender", "AppenderStats"]

_T = TypeVar("_T")


@dataclass
class AppenderStats:
    """What an :class:`Appender` has done: groups committed, operations, the largest group,
    and groups whose commit failed and were replayed one operation at a time."""

    groups: int = 0
    operations: int = 0
    largest_group: int = 0
    replayed_groups: int = 0


@dataclass
class _Work:
    run: Callable[[Session], Any]
    future: Future[Any] = field(default_factory=Future)
    result: Any = None
    error: BaseException | None = None


class Appender:
    """A single appender thread grouping concurrent writers' operations (group commit).

    Parameters
    ----------
    sessions
        Session factory of the books.
    max_group
        Most pieces of work committed together.

    Use as a context manager, or call :meth:`close` when done.
    """

    def __init__(self, sessions: sessionmaker[Session], *, max_group: int = 512) -> None:
        if max_group < 1:
            raise ValueError("max_group: must be at least 1")
        self._sessions = sessions
        self._max_group = max_group
        self._queue: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self.stats = AppenderStats()
        self._thread = threading.Thread(target=self._loop, name="ledger-appender", daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, run: Callable[[Session], _T]) -> _T:
        """Run ``run(session)`` in the next group and return its result once committed.

        A :class:`~stockpile.ledger.LedgerError` raised by ``run`` is raised here and nothing
        of ``run`` is committed; the rest of the group commits. ``run`` may be run more than
        once (when another piece of work in its group fails), so it must only act through
        ``session``.
        """
        return self.submit_async(run).result()

    def submit_async(self, run: Callable[[Session], _T]) -> Future[_T]:
        """As :meth:`submit`, but return a future at once."""
        if self._closed:
            raise RuntimeError("the appender is closed")
        work = _Work(run)
        self._queue.put(work)
        return work.future

    def close(self) -> None:
        """Finish the work already submitted and stop the thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()

    def __enter__(self) -> Appender:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _loop(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < self._max_group:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
            self._commit(group)

    def _commit(self, group: list[_Work]) -> None:
        """Commit ``group`` as one all-or-nothing batch; a piece of work that fails is taken
        out with its error and the rest is run again (failures are the exception, so this
        costs less than a savepoint around every operation)."""
        todo = list(group)
        while todo:
            failed: _Work | None = None
            try:
                with self._sessions() as session, batch(session):
                    for work in todo:
                        try:
                            work.result = work.run(session)
                        except Exception as exc:
                            work.error, failed = exc, work
                            raise
            except Exception:
                if failed is None:
                    # The commit itself failed: replay each piece of work alone, in its own
                    # transaction, so that one fault does not refuse the others.
                    self.stats.replayed_groups += 1
                    for work in todo:
                        self._alone(work)
                    todo = []
                    break
                todo.remove(failed)
                self._answer(failed)
                continue
            for work in todo:
                self._answer(work)
            todo = []
        self.stats.groups += 1
        self.stats.operations += len(group)
        self.stats.largest_group = max(self.stats.largest_group, len(group))

    def _alone(self, work: _Work) -> None:
        work.result, work.error = None, None
        try:
            with self._sessions() as session:
                work.result = work.run(session)
        except Exception as exc:
            work.error = exc
        self._answer(work)

    @staticmethod
    def _answer(work: _Work) -> None:
        if work.error is not None:
            work.future.set_exception(work.error)
        else:
            work.future.set_result(work.result)
