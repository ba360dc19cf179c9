"""Bundled, sourced reference data and the functions that load and check it.

Tables (USGS Mineral Commodity Summaries 2026 data release, World Bank WGI, EU CRM 2023,
export controls, stockpile programmes) ship as CSV with a ``source_id`` per row; see
``data/README.md`` and :func:`load_sources`.
"""

from stockpile.reference._errors import NoDataError, ReferenceDataError, UnknownMaterialError
from stockpile.reference.catalogue import Material, catalogue, get_material, material_keys
from stockpile.reference.loaders import (
    data_path,
    load_eu_crm_shares,
    load_export_control_materials,
    load_export_controls,
    load_import_sources,
    load_prices,
    load_production,
    load_recycling,
    load_reserves_capacity,
    load_sources,
    load_stockpile_programs,
    load_us_market,
    load_wgi,
)
from stockpile.reference.mcs import (
    McsFormatError,
    McsImportWarning,
    McsTables,
    build_mcs_tables,
    read_mcs_release,
    write_mcs_tables,
)
from stockpile.reference.stages import (
    Stage,
    StageLink,
    load_iea_supply,
    load_processing_shares,
    load_stage_chains,
    load_stage_ownership,
    stage_chain,
    stage_shares,
)
from stockpile.reference.usitc import (
    UsitcFormatError,
    import_usitc,
    load_usitc_trade,
    partner_shares,
)

__all__ = [
    "Material",
    "McsFormatError",
    "McsImportWarning",
    "McsTables",
    "NoDataError",
    "ReferenceDataError",
    "Stage",
    "StageLink",
    "UnknownMaterialError",
    "UsitcFormatError",
    "build_mcs_tables",
    "catalogue",
    "data_path",
    "get_material",
    "import_usitc",
    "load_eu_crm_shares",
    "load_export_control_materials",
    "load_export_controls",
    "load_iea_supply",
    "load_import_sources",
    "load_prices",
    "load_processing_shares",
    "load_production",
    "load_recycling",
    "load_reserves_capacity",
    "load_sources",
    "load_stage_chains",
    "load_stage_ownership",
    "load_stockpile_programs",
    "load_us_market",
    "load_usitc_trade",
    "load_wgi",
    "material_keys",
    "partner_shares",
    "read_mcs_release",
    "stage_chain",
    "stage_shares",
    "write_mcs_tables",
]
