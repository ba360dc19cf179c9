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

from stockpile.service.accounts import Principal
from stockpile.service.errors import InvalidFieldError
from stockpile.service.models import IdempotencyRecord

__all__ = ["fingerprint", "idempotent", "idempotent_write"]


def fingerprint(method: str, path: str, body: Any) -> str:
    """SHA-256 of the method, path and canonical JSON body of a request."""
    canon = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path}\n{canon}".encode()).hexdigest()


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
    key on a different request is refused (422, field ``Idempotency-Key``). ``action``
    must not commit: the result and the key record are committed together.
    """
    if key is None:
        result = jsonable_encoder(action())
        session.commit()
        return JSONResponse(result, status_code=status_code)
    fp = fingerprint(method, path, body)
    found = session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.user_id == principal.user_id)
        .where(IdempotencyRecord.key == key)
    )
    if found is not None:
        if found.fingerprint != fp:
            raise InvalidFieldError(
                "key already used for a different request", field="header.Idempotency-Key"
            )
        return JSONResponse(
            found.body, status_code=found.status_code, headers={"Idempotent-Replayed": "true"}
        )
    result = jsonable_encoder(action())
    session.add(
        IdempotencyRecord(
            user_id=principal.user_id,
            key=key,
            fingerprint=fp,
            status_code=status_code,
            body=result,
        )
    )
    try:
        session.commit()
    except IntegrityError:  # a concurrent request with the same key won the race
        session.rollback()
        raise InvalidFieldError(
            "a request with this key is already being processed",
            field="header.Idempotency-Key",
        ) from None
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
