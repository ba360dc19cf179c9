"""Export-control exposure of a material as of a date.

Rules (applied to each measure of ``export_controls.csv``)
----------------------------------------------------------
* A measure whose ``measure_type`` starts with "suspension of" or "extension of" modifies other
  measures; it is listed with a material but does not by itself make the material controlled
  (the suspended measures carry their own suspension date).
* A control is :attr:`ControlStatus.ACTIVE` on ``as_of`` when ``date_effective <= as_of`` and it
  was not ended or suspended by ``as_of``.
* ``date_ended_or_suspended`` on or before ``as_of`` makes it :attr:`~ControlStatus.SUSPENDED`
  when the field says "suspended" (:attr:`~ControlStatus.PARTLY_SUSPENDED` when only a
  paragraph is suspended), otherwise :attr:`~ControlStatus.ENDED`. A suspension "until" a date
  that has passed gives :attr:`~ControlStatus.SUSPENSION_EXPIRED`: the registry holds no later
  information, so the code does not claim either that the control is back or that it was
  extended.
* A measure that is itself valid only "until" a date (a suspension "valid until 2026-11-27")
  and has no end date of its own is :attr:`~ControlStatus.ENDED` from that date on, so that a
  suspension and the measure it suspends never disagree: on the day the suspension lapses the
  suspension reads ended and the suspended control reads suspension expired.
* Announced but not yet effective: :attr:`~ControlStatus.ANNOUNCED`; announced with no
  confirmed effective date: :attr:`~ControlStatus.EFFECTIVE_DATE_UNCONFIRMED`.

A material's status is the most binding status among the measures that cover the material
itself (coverage ``material``), in the order of :data:`STATUS_PRECEDENCE`; measures that cover
only equipment, technology or downstream products are listed but do not set it.

Sources: the URLs in each row of ``export_controls.csv`` (MOFCOM announcements as reported,
ARECOMS decisions, Indonesian MEMR regulation, USGS MCS 2026 text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pandas as pd

from stockpile.risk._frames import require_columns, text_or_none
from stockpile.risk.errors import RiskInputError

__all__ = [
    "STATUS_PRECEDENCE",
    "ControlExposure",
    "ControlStatus",
    "MeasureKind",
    "MeasureStatus",
    "export_control_exposure",
    "measure_status",
    "measures_in_force",
]


class ControlStatus(Enum):
    """Status of an export-control measure, or of a material's exposure, on a date."""

    ACTIVE = "active"
    SUSPENSION_EXPIRED = "suspension expired"
    PARTLY_SUSPENDED = "partly suspended"
    SUSPENDED = "suspended"
    EFFECTIVE_DATE_UNCONFIRMED = "announced, effective date unconfirmed"
    ANNOUNCED = "announced, not yet effective"
    ENDED = "ended"
    NONE = "none"


STATUS_PRECEDENCE: tuple[ControlStatus, ...] = tuple(ControlStatus)
"""Most binding first: the material status is the first one found among its measures."""


class MeasureKind(Enum):
    """What a registry row is."""

    CONTROL = "control"
    SUSPENSION = "suspension"
    EXTENSION = "extension"


@dataclass(frozen=True)
class MeasureStatus:
    """One measure's status on a date.

    Attributes
    ----------
    measure_id : str
        Registry identifier.
    imposing_country : str
        Country imposing the measure.
    kind : MeasureKind
        Control, suspension or extension.
    status : ControlStatus
        Status on ``as_of`` (:attr:`ControlStatus.NONE` before announcement).
    coverage : str
        How the measure covers the material (``material``, ``equipment_technology``,
        ``downstream_products``), empty when not asked for a material.
    effective, ended_or_suspended, suspended_until : datetime.date or None
        Parsed dates.
    measure_type, target_scope, note : str
        From the registry.
    """

    measure_id: str
    imposing_country: str
    kind: MeasureKind
    status: ControlStatus
    coverage: str
    effective: dt.date | None
    ended_or_suspended: dt.date | None
    suspended_until: dt.date | None
    measure_type: str
    target_scope: str
    note: str


@dataclass(frozen=True)
class ControlExposure:
    """Export-control exposure of one material on a date.

    Attributes
    ----------
    material : str
        Material key.
    as_of : datetime.date
        Date of the assessment.
    status : ControlStatus
        Most binding status among measures covering the material itself.
    imposing_countries : tuple of str
        Countries whose controls are active or partly suspended on ``as_of``.
    measures : tuple of MeasureStatus
        Every measure mapped to the material, with its status.
    """

    material: str
    as_of: dt.date
    status: ControlStatus
    imposing_countries: tuple[str, ...]
    measures: tuple[MeasureStatus, ...]

    @property
    def active_measure_ids(self) -> tuple[str, ...]:
        """Identifiers of the controls (not suspensions or extensions) binding on ``as_of``."""
        binding = {ControlStatus.ACTIVE, ControlStatus.PARTLY_SUSPENDED}
        return tuple(
            m.measure_id
            for m in self.measures
            if m.kind is MeasureKind.CONTROL and m.status in binding
        )


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = text_or_none(value)
    if text is None or len(text) < 10:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _kind(measure_type: str) -> MeasureKind:
    t = measure_type.strip().lower()
    if t.startswith("suspension of"):
        return MeasureKind.SUSPENSION
    if t.startswith("extension of"):
        return MeasureKind.EXTENSION
    return MeasureKind.CONTROL


def measure_status(row: pd.Series | Mapping[Any, Any], as_of: dt.date) -> MeasureStatus:
    """Status of one registry row on ``as_of``.

    Parameters
    ----------
    row : pandas.Series or dict
        A row of :func:`stockpile.reference.load_export_controls` (text date fields
        ``date_announced, date_effective, date_ended_or_suspended`` and, when present, the
        parsed ``effective, ended_or_suspended, suspended_until``).
    as_of : datetime.date
        Date of the assessment.

    Returns
    -------
    MeasureStatus
    """
    if not isinstance(as_of, dt.date):
        raise RiskInputError("as_of", f"must be a datetime.date, got {as_of!r}")
    get = row.get
    ended_text = text_or_none(get("date_ended_or_suspended")) or ""
    announced = _date(get("date_announced"))
    effective = _date(get("effective")) or _date(get("date_effective"))
    ended = _date(get("ended_or_suspended")) or _date(ended_text)
    until = _date(get("suspended_until"))
    if until is None and "until" in ended_text:
        until = _date(ended_text.split("until", 1)[1].strip())
    measure_type = text_or_none(get("measure_type")) or ""
    kind = _kind(measure_type)
    status = _status(as_of, announced, effective, ended, until, ended_text)
    return MeasureStatus(
        measure_id=text_or_none(get("measure_id")) or "",
        imposing_country=text_or_none(get("imposing_country")) or "",
        kind=kind,
        status=status,
        coverage="",
        effective=effective,
        ended_or_suspended=ended,
        suspended_until=until,
        measure_type=measure_type,
        target_scope=text_or_none(get("target_scope")) or "",
        note=text_or_none(get("status_note")) or "",
    )


def _status(
    as_of: dt.date,
    announced: dt.date | None,
    effective: dt.date | None,
    ended: dt.date | None,
    until: dt.date | None,
    ended_text: str,
) -> ControlStatus:
    if ended is not None and ended <= as_of:
        if "suspend" in ended_text.lower() or until is not None:
            if until is not None and until <= as_of:
                return ControlStatus.SUSPENSION_EXPIRED
            if "paragraph" in ended_text.lower():
                return ControlStatus.PARTLY_SUSPENDED
            return ControlStatus.SUSPENDED
        return ControlStatus.ENDED
    if until is not None and until <= as_of:
        return ControlStatus.ENDED
    if effective is not None:
        if effective <= as_of:
            return ControlStatus.ACTIVE
        if announced is not None and announced <= as_of:
            return ControlStatus.ANNOUNCED
        return ControlStatus.NONE
    if announced is not None and announced <= as_of:
        return ControlStatus.EFFECTIVE_DATE_UNCONFIRMED
    return ControlStatus.NONE


def measures_in_force(export_controls: pd.DataFrame, as_of: dt.date) -> list[MeasureStatus]:
    """The controls binding on ``as_of`` (active or partly suspended), in registry order.

    Suspensions and extensions are not listed: they modify controls and carry no obligation
    of their own. The status of each row is :func:`measure_status`, the one status rule.
    """
    require_columns(
        export_controls,
        ("measure_id", "date_announced", "date_effective", "date_ended_or_suspended"),
        "export_controls",
    )
    binding = {ControlStatus.ACTIVE, ControlStatus.PARTLY_SUSPENDED}
    out = []
    for rec in export_controls.to_dict("records"):
        ms = measure_status(rec, as_of)
        if ms.kind is MeasureKind.CONTROL and ms.status in binding:
            out.append(ms)
    return out


def export_control_exposure(
    export_controls: pd.DataFrame,
    control_materials: pd.DataFrame,
    *,
    material: str,
    as_of: dt.date,
) -> ControlExposure:
    """Export-control exposure of one material on a date.

    Parameters
    ----------
    export_controls : pandas.DataFrame
        :func:`stockpile.reference.load_export_controls`.
    control_materials : pandas.DataFrame
        :func:`stockpile.reference.load_export_control_materials` (``measure_id, material,
        coverage``).
    material : str
        Material key.
    as_of : datetime.date
        Date of the assessment.

    Returns
    -------
    ControlExposure
    """
    require_columns(
        export_controls,
        (
            "measure_id",
            "date_announced",
            "date_effective",
            "date_ended_or_suspended",
            "measure_type",
        ),
        "export_controls",
    )
    require_columns(control_materials, ("measure_id", "material", "coverage"), "control_materials")
    if not isinstance(as_of, dt.date):
        raise RiskInputError("as_of", f"must be a datetime.date, got {as_of!r}")
    links = control_materials[control_materials["material"].astype(str) == material]
    by_id = {str(r["measure_id"]): r for r in export_controls.to_dict("records")}
    measures: list[MeasureStatus] = []
    for link in links.to_dict("records"):
        mid = str(link["measure_id"])
        if mid not in by_id:
            raise RiskInputError(
                "control_materials.measure_id", f"{mid!r} is not in the export-control registry"
            )
        ms = measure_status(by_id[mid], as_of)
        measures.append(MeasureStatus(**{**ms.__dict__, "coverage": str(link["coverage"])}))
    own = [m for m in measures if m.kind is MeasureKind.CONTROL and m.coverage == "material"]
    found = {m.status for m in own}
    status = next((s for s in STATUS_PRECEDENCE if s in found), ControlStatus.NONE)
    binding = {ControlStatus.ACTIVE, ControlStatus.PARTLY_SUSPENDED}
    countries = tuple(dict.fromkeys(m.imposing_country for m in own if m.status in binding))
    return ControlExposure(material, as_of, status, countries, tuple(measures))
