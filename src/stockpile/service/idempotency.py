"""Idempotency keys on write endpoints: a retried request returns the first response."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stockpile.ledger import caller_transaction
from stockpile.service.accounts import Principal
from stockpile.service.errors import InvalidFieldError
from stockpile.service.models import IdempotencyRecord

__all__ = ["fingerprint", "idempotent", "idempotent_write"]


def fingerprint(method: str, path: str, body: Any) -> str:
    """SHA-256 of the method, path and canonical JSON body of a request."""
    canon = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path}\n{canon}".encode()).hexdigest()


def _stored(session: Session, user_id: int, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.user_id == user_id)
        .where(IdempotencyRecord.key == key)
    )


def _replay(found: IdempotencyRecord, fp: str) -> JSONResponse:
    if found.fingerprint != fp:
        raise InvalidFieldError(
            "key already used for a different request", field="header.Idempotency-Key"
        )
    return JSONResponse(
        found.body, status_code=found.status_code, headers={"Idempotent-Replayed": "true"}
    )


def idempotent(
    session: Session,
    *,
    principal: Principal,
    key: str | None,
    method: str,
    path: str,
    body: Any,
    status_code: int,
    action: Callable[[], Any],
) -> JSONResponse:
    """Run ``action`` once per (user, key) and answer with its JSON result.

    Without a key the action simply runs. With a key already used by this user for the
    same request, the stored response is returned and ``action`` is not called; the same
    key on a different request is refused (422, field ``Idempotency-Key``).

    ``action`` runs inside :func:`stockpile.ledger.caller_transaction`: its ledger
    operations do not commit, and the key's record is committed in the same transaction as
    their journal entries. Of concurrent requests with the same key exactly one commits;
    the others fail on the key's unique constraint, roll their work back and replay the
    winner's response, so a retry can never act twice (nor can a crash between the write
    and the record, since there is only one commit).
    """
    fp = None if key is None else fingerprint(method, path, body)
    if key is not None and fp is not None:
        found = _stored(session, principal.user_id, key)
        if found is not None:
            return _replay(found, fp)
    try:
        with caller_transaction(session):
            result = jsonable_encoder(action())
        if key is not None:
            session.add(
                IdempotencyRecord(
                    user_id=principal.user_id,
                    key=key,
                    fingerprint=fp,
                    status_code=status_code,
                    body=result,
                )
            )
        session.commit()
    except BaseException as exc:
        session.rollback()
        if key is None or fp is None:
            raise
        # A concurrent request with the same key may have committed first: answer as it did.
        found = _stored(session, principal.user_id, key)
        if found is not None:
            return _replay(found, fp)
        if isinstance(exc, IntegrityError):
            raise InvalidFieldError(
                "a request with this key is already being processed",
                field="header.Idempotency-Key",
            ) from None
        raise
    return JSONResponse(result, status_code=status_code)


def idempotent_write(
    request: Request,
    session: Session,
    *,
    principal: Principal,
    key: str | None,
    body: BaseModel | None,
    action: Callable[[], Any],
    status_code: int = 201,
) -> JSONResponse:
    """:func:`idempotent` for a route: method and path from ``request``, ``body`` its payload.

    ``body`` is ``None`` for a write whose request carries no body (e.g. an approval).
    """
    return idempotent(
        session,
        principal=principal,
        key=key,
        method=request.method,
        path=request.url.path,
        body={} if body is None else body.model_dump(mode="json"),
        status_code=status_code,
        action=action,
    )
