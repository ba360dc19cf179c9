"""Schemas of the bundled reference tables (columns, kinds, keys, allowed values).

Each schema mirrors the header documented in the data set's README; quantities that cannot be
negative (production, reserves, consumption, shares, prices) are checked as such.
"""

from __future__ import annotations

from stockpile.reference._schema import Column, Kind, TableSchema, cols

_Q = Kind.FLOAT
_R = Kind.REQUIRED_TEXT

PRODUCTION = TableSchema(
    "production_by_country",
    cols(
        Column("material", _R),
        Column("mcs_chapter", _R),
        Column("country", _R),
        "iso3",
        Column("year", Kind.INT),
        Column("stage", _R),
        Column("statistic", _R),
        Column("value", _Q, non_negative=True),
        "value_raw",
        Column("unit", _R),
        "basis",
        Column("estimated", Kind.YESNO),
        "usgs_note",
        Column("source_id", _R),
    ),
    key=("material", "country", "year", "stage", "statistic"),
)

RESERVES_CAPACITY = TableSchema(
    "reserves_capacity_by_country",
    cols(
        Column("material", _R),
        Column("mcs_chapter", _R),
        Column("country", _R),
        "iso3",
        Column("year", Kind.INT),
        Column("kind", _R),
        Column("statistic", _R),
        Column("value", _Q, non_negative=True),
        "value_raw",
        Column("unit", _R),
        "basis",
        "usgs_note",
        Column("source_id", _R),
    ),
    key=("material", "country", "year", "kind", "statistic"),
    allowed={"kind": frozenset({"reserves", "capacity"})},
)

US_MARKET = TableSchema(
    "us_market",
    cols(
        Column("material", _R),
        Column("mcs_chapter", _R),
        Column("year", Kind.INT),
        Column("us_production", _Q, non_negative=True),
        "us_production_raw",
        "us_production_statistic",
        Column("us_other_production", _Q, non_negative=True),
        "us_other_production_raw",
        "us_other_production_statistic",
        Column("us_consumption", _Q, non_negative=True),
        "us_consumption_raw",
        "us_consumption_statistic",
        "unit",
        "basis",
        Column("net_import_reliance_pct", _Q),
        "net_import_reliance_raw",
        "net_import_reliance_statistic",
        "main_import_sources",
        "import_sources_period",
        Column("estimated", Kind.YESNO),
        Column("source_id", _R),
    ),
    key=("material", "year"),
)

IMPORT_SOURCES = TableSchema(
    "import_sources",
    cols(
        Column("material", _R),
        Column("mcs_chapter", _R),
        Column("import_category", _R),
        Column("country", _R),
        "iso3",
        Column("period", _R),
        Column("share_pct", _Q, non_negative=True),
        "share_raw",
        "usgs_note",
        Column("source_id", _R),
    ),
    key=("material", "import_category", "country", "period"),
)

PRICES = TableSchema(
    "prices",
    cols(
        Column("material", _R),
        Column("mcs_chapter", _R),
        Column("price_basis", _R),
        Column("year", Kind.INT),
        Column("price", _Q, non_negative=True),
        "price_raw",
        Column("unit", _R),
        Column("usd_per_kg_derived", _Q, non_negative=True),
        Column("estimated", Kind.YESNO),
        "usgs_note",
        Column("source_id", _R),
    ),
    key=("material", "price_basis", "year"),
)

EXPORT_CONTROLS = TableSchema(
    "export_controls",
    cols(
        Column("measure_id", _R),
        Column("imposing_country", _R),
        "authority_instrument",
        "date_announced",
        "date_effective",
        "date_ended_or_suspended",
        Column("materials", _R),
        "measure_type",
        "target_scope",
        "status_note",
        "source_urls",
    ),
    key=("measure_id",),
)

EXPORT_CONTROL_MATERIALS = TableSchema(
    "export_control_materials",
    cols(Column("measure_id", _R), Column("material", _R), Column("coverage", _R), "items"),
    key=("measure_id", "material"),
    allowed={"coverage": frozenset({"material", "equipment_technology", "downstream_products"})},
)

STOCKPILE_PROGRAMS = TableSchema(
    "stockpile_programs",
    cols(
        Column("program_id", _R),
        Column("country", _R),
        "program_or_agency",
        "materials",
        "item",
        "quantity",
        "quantity_unit",
        "value_usd",
        "date_or_period",
        "status_note",
        "source_urls",
    ),
    key=("program_id",),
)

RECYCLING = TableSchema(
    "recycling_substitution",
    cols(
        Column("material", _R),
        Column("indicator", _R),
        "value",
        "unit",
        "year_or_period",
        "usgs_statement",
        "eu_crm2023_eol_rir_pct",
        "eu_crm2023_substitution_index",
        "source_url",
    ),
    key=("material", "indicator"),
)

WGI = TableSchema(
    "wgi_governance",
    cols(
        Column("iso3", _R),
        Column("country", _R),
        Column("year", Kind.INT),
        Column("indicator", _R),
        Column("estimate", _Q),
        Column("percentile_rank", _Q),
        Column("source_id", _R),
    ),
    key=("iso3", "year", "indicator"),
    allowed={"indicator": frozenset({"VA", "PV", "GE", "RQ", "RL", "CC"})},
)

EU_CRM_SHARES = TableSchema(
    "eu_crm_2023_supply_shares_selected",
    cols(
        Column("material", _R),
        Column("stage", _R),
        Column("scope", _R),
        Column("country", _R),
        Column("share_pct", _Q, non_negative=True),
        "share_below_0_1pct",
        Column("trade_param_t", _Q, non_negative=True),
    ),
    key=("material", "stage", "scope", "country"),
    allowed={"stage": frozenset({"E", "P"}), "scope": frozenset({"global_supply", "eu_sourcing"})},
)

SOURCES = TableSchema(
    "sources",
    cols(
        Column("source_id", _R),
        Column("title", _R),
        "publisher",
        "published",
        "url_or_doi",
        "copy_read",
        "notes",
    ),
    key=("source_id",),
)

MATERIALS = TableSchema(
    "materials",
    cols(
        Column("key", _R),
        Column("name", _R),
        "symbol",
        "aliases",
        Column("mcs_chapter", _R),
        "usgs_unit",
        "unit",
        "basis",
        "element",
        "compound",
        "production_materials",
        "price_materials",
        "reference_price",
        "reference_price_substance",
        "hts4_specific",
        "hts4_shared",
        "eu_crm_name",
        "notes",
    ),
    key=("key",),
)

STAGE_CHAINS = TableSchema(
    "stage_chains",
    cols(
        Column("material", _R),
        Column("stage", _R),
        Column("order", Kind.INT),
        Column("form", _R),
        Column("description", _R),
        Column("source_id", _R),
    ),
    key=("material", "stage"),
    allowed={"stage": frozenset({"mine", "refined", "metal", "magnet"})},
)

IEA_SUPPLY = TableSchema(
    "iea_cmde2025_supply",
    cols(
        Column("mineral", _R),
        Column("stage", _R),
        Column("year", Kind.INT),
        Column("case", _R),
        Column("country", _R),
        Column("value_kt", _Q, non_negative=True),
        Column("total_kt", _Q, non_negative=True),
        Column("share_of_total", _Q, non_negative=True),
        Column("top3_share_reported", _Q, non_negative=True),
        Column("sum_of_rows_minus_total_kt", _Q),
    ),
    key=("mineral", "stage", "year", "case", "country"),
    allowed={"stage": frozenset({"mining", "refining"})},
)

STAGE_OWNERSHIP = TableSchema(
    "stage_ownership",
    cols(
        Column("material", _R),
        Column("stage", _R),
        Column("country", _R),
        Column("iso3", _R),
        Column("owner", _R),
        Column("owner_iso3", _R),
        Column("share", _Q, non_negative=True),
        Column("measure", _R),
        Column("data_year", Kind.INT),
        Column("source", _R),
        Column("source_url", _R),
        Column("reliability", _R),
        "note",
    ),
    key=("material", "stage", "iso3", "owner_iso3"),
    allowed={"stage": frozenset({"mine", "refined", "metal", "magnet"})},
)

PROCESSING_SHARES = TableSchema(
    "stage_processing_shares",
    cols(
        Column("material", _R),
        Column("stage", _R),
        Column("country", _R),
        Column("iso3", _R),
        Column("share", _Q, non_negative=True),
        Column("measure", _R),
        Column("data_year", Kind.INT),
        Column("source", _R),
        Column("source_url", _R),
        Column("reliability", _R),
        "note",
    ),
    key=("material", "stage", "iso3", "data_year"),
    allowed={"stage": frozenset({"mine", "refined", "metal", "magnet"})},
)
