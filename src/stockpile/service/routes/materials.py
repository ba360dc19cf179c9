"""Materials and their reference data (USGS MCS 2026 and the other bundled tables)."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query

from stockpile.reference import (
    Material,
    UnknownMaterialError,
    catalogue,
    get_material,
    load_export_control_materials,
    load_export_controls,
    load_import_sources,
    load_prices,
    load_production,
    load_us_market,
)
from stockpile.service.accounts import Principal
from stockpile.service.deps import Authorize, Page
from stockpile.service.errors import PROBLEM_RESPONSES, NotFoundError
from stockpile.service.permissions import Permission
from stockpile.service.schemas import (
    ExportControlPublic,
    ImportSourcePublic,
    MaterialPublic,
    Paged,
    PricePublic,
    ProductionPublic,
    UsMarketPublic,
    frame_records,
    models_from,
)

__all__ = ["material_or_404", "material_public", "router"]

router = APIRouter(tags=["materials"], responses=PROBLEM_RESPONSES)

CanRead = Annotated[Principal, Depends(Authorize(Permission.READ_REFERENCE))]
MaterialName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=80,
        description="Key, symbol, alias or USGS chapter ('antimony', 'Sb', 'ANTIMONY')",
    ),
]
Year = Annotated[int | None, Query(ge=1900, le=2100, description="Only this year")]


def material_or_404(name: str) -> Material:
    """The catalogue material called ``name``, or 404 naming the closest names."""
    try:
        return get_material(name)
    except UnknownMaterialError as exc:
        raise NotFoundError(str(exc), field="path.material") from None


def material_public(m: Material) -> MaterialPublic:
    """The public view of a catalogue material."""
    return MaterialPublic(
        key=m.key,
        name=m.name,
        symbol=m.symbol,
        aliases=list(m.aliases),
        mcs_chapter=m.mcs_chapter,
        unit=m.unit,
        basis=m.basis,
        element=m.element,
        compound=m.compound,
        reference_price=m.reference_price,
        notes=m.notes,
    )


def _year(frame: pd.DataFrame, year: int | None) -> pd.DataFrame:
    return frame if year is None else frame[frame["year"] == year]


@router.get("/materials", response_model=Paged[MaterialPublic])
def list_materials(_: CanRead, page: Page) -> Paged[MaterialPublic]:
    """The material catalogue, in catalogue order."""
    allm = catalogue()
    items = [material_public(m) for m in allm[page.offset : page.offset + page.limit]]
    return Paged[MaterialPublic](items=items, total=len(allm), offset=page.offset, limit=page.limit)


@router.get("/materials/{material}", response_model=MaterialPublic)
def get_material_route(_: CanRead, material: MaterialName) -> MaterialPublic:
    """One material (404 with suggestions if the name is unknown)."""
    return material_public(material_or_404(material))


@router.get("/materials/{material}/production", response_model=list[ProductionPublic])
def material_production(
    _: CanRead, material: MaterialName, year: Year = None
) -> list[ProductionPublic]:
    """Production by country and stage, 2024-2025 [unit, on basis]; world total iso3 WLD."""
    m = material_or_404(material)
    frame = load_production()
    frame = _year(frame[frame["material"].isin(m.production_materials)], year)
    cols = list(ProductionPublic.model_fields)
    return models_from(ProductionPublic, frame_records(frame, cols))


@router.get("/materials/{material}/prices", response_model=list[PricePublic])
def material_prices(_: CanRead, material: MaterialName, year: Year = None) -> list[PricePublic]:
    """Annual average prices 2021-2025 of every price series of the material."""
    m = material_or_404(material)
    frame = load_prices()
    frame = _year(frame[frame["material"].isin(m.price_materials)], year)
    return models_from(PricePublic, frame_records(frame, list(PricePublic.model_fields)))


@router.get("/materials/{material}/us-market", response_model=list[UsMarketPublic])
def material_us_market(
    _: CanRead, material: MaterialName, year: Year = None
) -> list[UsMarketPublic]:
    """U.S. production, consumption and net import reliance, 2021-2025."""
    m = material_or_404(material)
    frame = load_us_market()
    frame = _year(frame[frame["material"] == m.key], year)
    return models_from(UsMarketPublic, frame_records(frame, list(UsMarketPublic.model_fields)))


@router.get("/materials/{material}/import-sources", response_model=list[ImportSourcePublic])
def material_import_sources(_: CanRead, material: MaterialName) -> list[ImportSourcePublic]:
    """U.S. import sources by category and country, 2021-24 [% of imports]."""
    m = material_or_404(material)
    frame = load_import_sources()
    frame = frame[frame["material"] == m.key]
    cols = list(ImportSourcePublic.model_fields)
    return models_from(ImportSourcePublic, frame_records(frame, cols))


def _controls_for(m: Material | None) -> pd.DataFrame:
    frame = load_export_controls()
    if m is None:
        return frame
    links = load_export_control_materials()
    ids = set(links.loc[links["material"] == m.key, "measure_id"])
    return frame[frame["measure_id"].isin(ids)]


@router.get("/materials/{material}/export-controls", response_model=list[ExportControlPublic])
def material_export_controls(_: CanRead, material: MaterialName) -> list[ExportControlPublic]:
    """Export-control measures that name the material."""
    frame = _controls_for(material_or_404(material))
    cols = list(ExportControlPublic.model_fields)
    return models_from(ExportControlPublic, frame_records(frame, cols))


@router.get("/export-controls", response_model=Paged[ExportControlPublic])
def list_export_controls(_: CanRead, page: Page) -> Paged[ExportControlPublic]:
    """All export-control measures in the reference data."""
    frame = _controls_for(None)
    cols = list(ExportControlPublic.model_fields)
    items = models_from(ExportControlPublic, frame_records(frame, cols))
    return Paged[ExportControlPublic](
        items=items[page.offset : page.offset + page.limit],
        total=len(items),
        offset=page.offset,
        limit=page.limit,
    )
