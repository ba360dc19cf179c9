"""Export-control status on dates around start, suspension and end."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from stockpile.risk import (
    ControlStatus,
    MeasureKind,
    RiskInputError,
    export_control_exposure,
    measure_status,
    measures_in_force,
)

D = dt.date


def _row(frame: pd.DataFrame, mid: str) -> pd.Series:
    return frame[frame["measure_id"] == mid].iloc[0]


@pytest.mark.parametrize(
    ("mid", "day", "status"),
    [
        ("CN-2024-SB", D(2024, 8, 14), ControlStatus.NONE),
        ("CN-2024-SB", D(2024, 8, 15), ControlStatus.ANNOUNCED),
        ("CN-2024-SB", D(2024, 9, 14), ControlStatus.ANNOUNCED),
        ("CN-2024-SB", D(2024, 9, 15), ControlStatus.ACTIVE),
        ("CN-2024-US-BAN", D(2024, 12, 2), ControlStatus.NONE),
        ("CN-2024-US-BAN", D(2024, 12, 3), ControlStatus.ACTIVE),
        ("CN-2024-US-BAN", D(2025, 11, 8), ControlStatus.ACTIVE),
        ("CN-2024-US-BAN", D(2025, 11, 9), ControlStatus.PARTLY_SUSPENDED),
        ("CN-2024-US-BAN", D(2026, 11, 26), ControlStatus.PARTLY_SUSPENDED),
        ("CN-2024-US-BAN", D(2026, 11, 27), ControlStatus.SUSPENSION_EXPIRED),
        ("CN-2025-OCT-57", D(2025, 10, 9), ControlStatus.ANNOUNCED),
        ("CN-2025-OCT-57", D(2025, 11, 7), ControlStatus.SUSPENDED),
        ("CN-2025-OCT-57", D(2026, 11, 9), ControlStatus.SUSPENDED),
        ("CN-2025-OCT-57", D(2026, 11, 10), ControlStatus.SUSPENSION_EXPIRED),
        ("CN-2025-OCT-55", D(2025, 10, 20), ControlStatus.EFFECTIVE_DATE_UNCONFIRMED),
        ("CN-2025-OCT-55", D(2025, 11, 7), ControlStatus.SUSPENDED),
        ("CD-2025-CO-SUSP", D(2025, 2, 21), ControlStatus.NONE),
        ("CD-2025-CO-SUSP", D(2025, 2, 22), ControlStatus.ACTIVE),
        ("CD-2025-CO-SUSP", D(2025, 10, 14), ControlStatus.ACTIVE),
        ("CD-2025-CO-SUSP", D(2025, 10, 15), ControlStatus.ENDED),
        ("ID-2020-NI-ORE", D(2019, 12, 31), ControlStatus.ANNOUNCED),
        ("ID-2020-NI-ORE", D(2020, 1, 1), ControlStatus.ACTIVE),
        ("CN-2025-NOV-US", D(2025, 11, 9), ControlStatus.ACTIVE),
        ("CN-2025-NOV-US", D(2026, 11, 26), ControlStatus.ACTIVE),
        ("CN-2025-NOV-US", D(2026, 11, 27), ControlStatus.ENDED),
        ("CN-2025-NOV-70", D(2026, 11, 9), ControlStatus.ACTIVE),
        ("CN-2025-NOV-70", D(2026, 11, 10), ControlStatus.ENDED),
    ],
)
def test_measure_status_around_dates(
    export_controls: pd.DataFrame, mid: str, day: dt.date, status: ControlStatus
) -> None:
    assert measure_status(_row(export_controls, mid), day).status is status


def test_measure_kinds(export_controls: pd.DataFrame) -> None:
    assert measure_status(_row(export_controls, "CN-2025-NOV-US"), D(2025, 12, 1)).kind is (
        MeasureKind.SUSPENSION
    )
    assert measure_status(_row(export_controls, "CD-2025-CO-EXT"), D(2025, 12, 1)).kind is (
        MeasureKind.EXTENSION
    )
    assert measure_status(_row(export_controls, "CN-2024-SB"), D(2025, 12, 1)).kind is (
        MeasureKind.CONTROL
    )


@pytest.mark.parametrize(
    ("material", "day", "status", "countries"),
    [
        ("antimony", D(2024, 9, 14), ControlStatus.ANNOUNCED, ()),
        ("antimony", D(2024, 9, 15), ControlStatus.ACTIVE, ("China",)),
        ("gallium", D(2023, 7, 31), ControlStatus.ANNOUNCED, ()),
        ("gallium", D(2023, 8, 1), ControlStatus.ACTIVE, ("China",)),
        ("cobalt", D(2025, 1, 1), ControlStatus.NONE, ()),
        ("cobalt", D(2025, 3, 1), ControlStatus.ACTIVE, ("Congo (Kinshasa)",)),
        ("cobalt", D(2025, 10, 16), ControlStatus.ACTIVE, ("Congo (Kinshasa)",)),
        ("rare earths", D(2025, 1, 1), ControlStatus.NONE, ()),
        ("rare earths", D(2025, 4, 4), ControlStatus.ACTIVE, ("China",)),
        ("tungsten", D(2025, 2, 3), ControlStatus.NONE, ()),
        ("tungsten", D(2025, 2, 4), ControlStatus.ACTIVE, ("China",)),
        ("copper", D(2025, 6, 1), ControlStatus.NONE, ()),
    ],
)
def test_material_exposure(
    export_controls: pd.DataFrame,
    control_materials: pd.DataFrame,
    material: str,
    day: dt.date,
    status: ControlStatus,
    countries: tuple[str, ...],
) -> None:
    e = export_control_exposure(export_controls, control_materials, material=material, as_of=day)
    assert e.status is status
    assert e.imposing_countries == countries


def test_cobalt_quota_replaces_ended_suspension(
    export_controls: pd.DataFrame, control_materials: pd.DataFrame
) -> None:
    e = export_control_exposure(
        export_controls, control_materials, material="cobalt", as_of=D(2025, 10, 16)
    )
    by_id = {m.measure_id: m.status for m in e.measures}
    assert by_id["CD-2025-CO-SUSP"] is ControlStatus.ENDED
    assert by_id["CD-2025-CO-QUOTA"] is ControlStatus.ACTIVE
    assert e.active_measure_ids == ("CD-2025-CO-QUOTA",)


def test_bad_inputs(export_controls: pd.DataFrame, control_materials: pd.DataFrame) -> None:
    with pytest.raises(RiskInputError, match="as_of"):
        export_control_exposure(
            export_controls, control_materials, material="antimony", as_of="2024-01-01"
        )  # type: ignore[arg-type]
    links = pd.DataFrame(
        {"measure_id": ["NOPE"], "material": ["antimony"], "coverage": ["material"]}
    )
    with pytest.raises(RiskInputError, match="NOPE"):
        export_control_exposure(export_controls, links, material="antimony", as_of=D(2025, 1, 1))


@pytest.mark.parametrize(
    ("day", "ban", "suspension"),
    [
        (D(2026, 6, 1), ControlStatus.PARTLY_SUSPENDED, ControlStatus.ACTIVE),
        (D(2026, 12, 6), ControlStatus.SUSPENSION_EXPIRED, ControlStatus.ENDED),
    ],
)
def test_suspension_and_suspended_ban_agree(
    export_controls: pd.DataFrame,
    control_materials: pd.DataFrame,
    day: dt.date,
    ban: ControlStatus,
    suspension: ControlStatus,
) -> None:
    """The 2024 U.S. ban and the suspension of its paragraph 2 never contradict each other."""
    e = export_control_exposure(export_controls, control_materials, material="antimony", as_of=day)
    by_id = {m.measure_id: m.status for m in e.measures}
    assert by_id["CN-2024-US-BAN"] is ban
    assert by_id["CN-2025-NOV-US"] is suspension
    assert by_id["CN-2024-SB"] is ControlStatus.ACTIVE
    in_force = {m.measure_id for m in measures_in_force(export_controls, day)}
    assert "CN-2025-NOV-US" not in in_force  # a suspension binds nobody
    assert ("CN-2024-US-BAN" in in_force) is (ban is ControlStatus.PARTLY_SUSPENDED)
    assert "CN-2024-SB" in in_force
