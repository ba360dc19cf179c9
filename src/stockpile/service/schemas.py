"""Request and response schemas of the API (Base / Create / Public; never ORM rows)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import pandas as pd
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from stockpile.service.jobs import JobStatus
from stockpile.service.permissions import Permission, Role

__all__ = [
    "ExportControlPublic",
    "ImportSourcePublic",
    "JobPublic",
    "MaterialPublic",
    "Paged",
    "PricePublic",
    "ProductionPublic",
    "TokenPublic",
    "UsMarketPublic",
    "UserCreate",
    "UserPublic",
    "UserUpdate",
    "UtcDatetime",
    "WhoAmI",
    "frame_records",
]

T = TypeVar("T", bound=BaseModel)


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


UtcDatetime = Annotated[dt.datetime, AfterValidator(_as_utc)]
"""A time with its zone (stored naive on SQLite, meant as UTC), as OpenAPI's ``date-time``."""


class Paged(BaseModel, Generic[T]):
    """One page of a list: the items, the total count and the page window."""

    items: list[T]
    total: int = Field(ge=0)
    offset: int = Field(ge=0)
    limit: int = Field(ge=1)


def frame_records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of ``frame`` as plain dicts (NaN and NA become None, numpy scalars Python)."""
    out: list[dict[str, Any]] = []
    for row in frame[list(columns)].itertuples(index=False, name=None):
        rec: dict[str, Any] = {}
        for name, value in zip(columns, row, strict=True):
            if value is None or value is pd.NA or value is pd.NaT:
                rec[name] = None
            elif hasattr(value, "item"):
                item = value.item()
                rec[name] = None if isinstance(item, float) and math.isnan(item) else item
            elif isinstance(value, float) and math.isnan(value):
                rec[name] = None
            else:
                rec[name] = value
        out.append(rec)
    return out


def models_from(model: type[T], records: Iterable[dict[str, Any]]) -> list[T]:
    """Validate plain records into ``model`` instances."""
    return [model.model_validate(r) for r in records]


# ---- users and auth -------------------------------------------------------------------


class UserBase(BaseModel):
    """Fields shared by user schemas."""

    username: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")
    full_name: str = Field(default="", max_length=200)
    role: Role


class UserCreate(UserBase):
    """A new user; the password is hashed with argon2id and never returned."""

    password: str = Field(
        min_length=12,
        max_length=1024,
        description=(
            "At least 12 characters; not one of the 30,000 most common passwords; "
            "strength score at least 3 of 4 by zxcvbn, the user name and full name "
            "counted as known."
        ),
    )


class UserUpdate(BaseModel):
    """Changes to a user (only the fields given change; the role is fixed)."""

    model_config = ConfigDict(extra="forbid")

    active: bool | None = None
    password: str | None = Field(
        default=None,
        min_length=12,
        max_length=1024,
        description="A new password, under the same policy as on creation.",
    )


class UserPublic(UserBase):
    """A user as the API shows it."""

    id: int
    active: bool
    created_at: UtcDatetime


class TokenPublic(BaseModel):
    """A bearer token, shown once."""

    access_token: str
    token_type: str = "bearer"
    expires_at: UtcDatetime


class WhoAmI(BaseModel):
    """The authenticated user and what the role allows."""

    id: int
    username: str
    full_name: str
    role: Role
    permissions: list[Permission]
    method: str


# ---- reference data ------------------------------------------------------------------


class MaterialPublic(BaseModel):
    """A catalogue material."""

    key: str
    name: str
    symbol: str
    aliases: list[str]
    mcs_chapter: str
    unit: str = Field(description="pint unit of the USGS U.S. series ('' if none)")
    basis: str
    element: str
    compound: str
    reference_price: str
    notes: str


class ProductionPublic(BaseModel):
    """Production of one country, stage and year [unit, on basis]; USGS MCS 2026."""

    country: str
    iso3: str
    year: int
    stage: str
    statistic: str
    value: float | None
    value_raw: str
    unit: str
    basis: str
    estimated: bool
    source_id: str


class PricePublic(BaseModel):
    """Annual average price [unit]; ``usd_per_kg_derived`` [USD/kg]."""

    material: str
    price_basis: str
    year: int
    price: float | None
    price_raw: str
    unit: str
    usd_per_kg_derived: float | None
    estimated: bool
    usgs_note: str
    source_id: str


class UsMarketPublic(BaseModel):
    """U.S. production, consumption [unit] and net import reliance [%] for one year."""

    year: int
    us_production: float | None
    us_production_statistic: str
    us_consumption: float | None
    us_consumption_statistic: str
    unit: str
    basis: str
    net_import_reliance_pct: float | None
    net_import_reliance_raw: str
    main_import_sources: str
    estimated: bool
    source_id: str


class ImportSourcePublic(BaseModel):
    """Share of U.S. imports of one category from one country [%], 2021-24."""

    import_category: str
    country: str
    iso3: str
    period: str
    share_pct: float | None
    share_raw: str
    source_id: str


class ExportControlPublic(BaseModel):
    """An export-control measure and its dates."""

    measure_id: str
    imposing_country: str
    authority_instrument: str
    materials: str
    measure_type: str
    target_scope: str
    effective: dt.date | None
    ended_or_suspended: dt.date | None
    suspended_until: dt.date | None
    status_note: str
    source_urls: str


# ---- jobs ----------------------------------------------------------------------------


class JobPublic(BaseModel):
    """A background job: status, progress [0-1] and when it ran."""

    id: str
    kind: str
    params: dict[str, Any]
    status: JobStatus
    progress: float
    message: str
    created_by: int
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    finished_at: UtcDatetime | None
    error: str | None
