"""Background jobs (simulation and plan runs): a thread pool, progress, cancellation, results.

A job's state lives in the ``svc_jobs`` table so the dashboard can show it later and any
worker process can read it; cancellation is signalled in memory to the thread running it
and recorded in the table.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select

from stockpile.service.db import Database
from stockpile.service.errors import (
    ConflictError,
    InvalidFieldError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from stockpile.service.models import JobRow, utcnow

__all__ = [
    "FINISHED",
    "JobCancelledError",
    "JobKind",
    "JobManager",
    "JobProgress",
    "JobStatus",
    "failure_text",
]

_log = logging.getLogger(__name__)


def failure_text(exc: BaseException) -> str:
    """What a user reads about a failed job: the error's own sentence, never a class name.

    Errors of the models (bad scenario, infeasible plan, refused ledger operation: all
    ``ValueError``) say what is wrong; anything else is an unexpected failure, logged with
    its traceback for the operator.
    """
    text = " ".join(str(exc).split()) if str(exc).strip() else ""
    if isinstance(exc, ValueError | LookupError) and text:
        return text
    _log.error("job failed unexpectedly", exc_info=exc)
    if text:
        return f"the run stopped on an unexpected error: {text}"
    return "the run stopped on an unexpected error (details are in the service log)"


class JobStatus(enum.StrEnum):
    """Life cycle of a job."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
_QUEUE_RETRY_S = 30  # suggested wait when a user's job queue is full [s]


class JobCancelledError(Exception):
    """Raised inside a running job when its cancellation was requested."""


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its name, the pydantic models of its parameters and result, its runner.

    ``run(params, progress)`` returns an instance of ``result_model`` (stored as its JSON
    document, the same document the CLI prints) and should call ``progress.update`` now and
    then, which raises :class:`JobCancelledError` once the job is cancelled.
    """

    name: str
    params_model: type[BaseModel]
    result_model: type[BaseModel]
    run: Callable[[BaseModel, JobProgress], BaseModel]
    description: str = ""

    def stored(self, result: BaseModel) -> dict[str, Any]:
        """The JSON document stored for ``result`` (validated as ``result_model``)."""
        dumped = self.result_model.model_validate(result).model_dump(mode="json")
        if not isinstance(dumped, dict):
            raise TypeError(f"job kind {self.name}: a result must be a JSON object")
        return dumped


class JobProgress:
    """Handed to a runner: report the fraction done [0-1] and notice cancellation."""

    def __init__(self, db: Database, job_id: str, cancel: threading.Event) -> None:
        self._db = db
        self._job_id = job_id
        self._cancel = cancel
        self._last_write = 0.0

    @property
    def cancelled(self) -> bool:
        """True once cancellation was requested."""
        return self._cancel.is_set()

    def update(self, fraction: float, message: str = "") -> None:
        """Record progress (at most every 0.2 s, always at 1.0); raise if cancelled."""
        if self._cancel.is_set():
            raise JobCancelledError(self._job_id)
        now = time.monotonic()
        if fraction < 1.0 and now - self._last_write < 0.2:
            return
        self._last_write = now
        with self._db.sessions.begin() as session:
            row = session.get(JobRow, self._job_id)
            if row is not None:
                row.progress = min(max(float(fraction), 0.0), 1.0)
                row.message = message


class JobManager:
    """Runs registered job kinds on a pool of ``workers`` threads."""

    def __init__(
        self,
        db: Database,
        kinds: Mapping[str, JobKind],
        workers: int = 1,
        *,
        queue_limit: int | None = None,
    ) -> None:
        self._db = db
        self._kinds = dict(kinds)
        self._queue_limit = queue_limit
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stockpile-job")
        self._cancel: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    @property
    def kinds(self) -> Mapping[str, JobKind]:
        """Registered kinds by name."""
        return dict(self._kinds)

    def submit(self, *, kind: str, params: Mapping[str, Any], user_id: int) -> str:
        """Validate ``params`` for ``kind``, store the job as queued and start it; its id.

        Raises
        ------
        RateLimitedError
            The user already has ``queue_limit`` jobs queued or running.
        """
        spec = self._kinds.get(kind)
        if spec is None:
            raise InvalidFieldError(
                f"unknown job kind {kind!r}; known: {sorted(self._kinds)}", field="kind"
            )
        model = spec.params_model.model_validate(dict(params))
        job_id = str(uuid.uuid4())
        with self._lock, self._db.sessions.begin() as session:
            if self._queue_limit is not None:
                active = session.scalar(
                    select(func.count())
                    .select_from(JobRow)
                    .where(JobRow.created_by == user_id)
                    .where(JobRow.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
                )
                if (active or 0) >= self._queue_limit:
                    raise RateLimitedError(
                        f"you have {active} jobs queued or running, the most allowed; "
                        "wait for one to finish or cancel one",
                        retry_after_s=_QUEUE_RETRY_S,
                    )
            session.add(
                JobRow(
                    id=job_id,
                    kind=kind,
                    params=model.model_dump(mode="json"),
                    status=JobStatus.QUEUED.value,
                    progress=0.0,
                    message="queued",
                    created_by=user_id,
                )
            )
        event = threading.Event()
        with self._lock:
            self._cancel[job_id] = event
        self._pool.submit(self._run, spec, model, job_id, event)
        return job_id

    def cancel(self, job_id: str, *, user_id: int | None = None) -> JobStatus:
        """Ask a job to stop; the status after the request.

        With ``user_id``, only that user's own job is cancelled (others: 403); None lets any
        job be cancelled (administrators).
        """
        with self._db.sessions.begin() as session:
            row = session.get(JobRow, job_id)
            if row is None:
                raise NotFoundError(f"no job {job_id}", field="job_id")
            if user_id is not None and row.created_by != user_id:
                raise PermissionDeniedError(
                    f"job {job_id} was started by another user", field="job_id"
                )
            status = JobStatus(row.status)
            if status in FINISHED:
                raise ConflictError(f"job {job_id} already {status.value}", field="job_id")
            with self._lock:
                event = self._cancel.get(job_id)
            if event is not None:
                event.set()
            if status is JobStatus.QUEUED or event is None:
                row.status = JobStatus.CANCELLED.value
                row.finished_at = utcnow()
                row.message = "cancelled before it started"
                return JobStatus.CANCELLED
            row.message = "cancellation requested"
            return status

    def wait(self, job_id: str, timeout_s: float = 30.0) -> JobStatus:
        """Block until the job finishes or ``timeout_s`` passes; its status then."""
        deadline = time.monotonic() + timeout_s
        while True:
            status = self.status(job_id)
            if status in FINISHED or time.monotonic() >= deadline:
                return status
            time.sleep(0.02)

    def status(self, job_id: str) -> JobStatus:
        """Current status of a job."""
        with self._db.sessions() as session:
            row = session.get(JobRow, job_id)
            if row is None:
                raise NotFoundError(f"no job {job_id}", field="job_id")
            return JobStatus(row.status)

    def count_active(self) -> int:
        """Jobs queued or running."""
        with self._db.sessions() as session:
            stmt = select(func.count()).select_from(JobRow)
            stmt = stmt.where(JobRow.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            return session.scalar(stmt) or 0

    def fail_interrupted(self) -> int:
        """Mark jobs left queued or running by a stopped process as failed; how many.

        Call it once when the only process serving the database starts (``stockpile serve``
        does); with several worker processes it would fail their running jobs.
        """
        with self._db.sessions.begin() as session:
            rows = session.scalars(
                select(JobRow).where(JobRow.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            ).all()
            for row in rows:
                row.status = JobStatus.FAILED.value
                row.finished_at = utcnow()
                row.message = "failed"
                row.error = "interrupted: the service stopped before the job finished"
            return len(rows)

    def shutdown(self) -> None:
        """Cancel every job of this manager and stop the threads."""
        with self._lock:
            for event in self._cancel.values():
                event.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._db.sessions.begin() as session:
            for row in session.scalars(
                select(JobRow).where(JobRow.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            ):
                if row.id in self._cancel:
                    row.status = JobStatus.CANCELLED.value
                    row.finished_at = utcnow()
                    row.message = "cancelled: the service stopped"

    def _finish(self, job_id: str, status: JobStatus, **values: Any) -> None:
        with self._db.sessions.begin() as session:
            row = session.get(JobRow, job_id)
            if row is None:
                return
            row.status = status.value
            row.finished_at = utcnow()
            for name, value in values.items():
                setattr(row, name, value)
        with self._lock:
            self._cancel.pop(job_id, None)

    def _run(self, spec: JobKind, params: BaseModel, job_id: str, event: threading.Event) -> None:
        with self._db.sessions.begin() as session:
            row = session.get(JobRow, job_id)
            if row is None or row.status != JobStatus.QUEUED.value or event.is_set():
                return
            row.status = JobStatus.RUNNING.value
            row.started_at = utcnow()
            row.message = "running"
        progress = JobProgress(self._db, job_id, event)
        try:
            result = spec.stored(spec.run(params, progress))
        except JobCancelledError:
            self._finish(job_id, JobStatus.CANCELLED, message="cancelled")
        except Exception as exc:  # a failed job is a result, not a crash of the service
            self._finish(job_id, JobStatus.FAILED, message="failed", error=failure_text(exc))
        else:
            self._finish(job_id, JobStatus.SUCCEEDED, progress=1.0, message="done", result=result)
