"""The stage network: how a cut at one stage reaches the stage at which the U.S. buys.

Each scenario material with a chain of stages (:func:`stockpile.reference.stage_chain`) gets a
:class:`StageNetwork`: country shares at each stage, a feed matrix per stage and the pipeline
lead time into each stage. A stage event (``events[].stage``) is turned, before the engine runs,
into the per-country supply losses the engine already consumes:

* the event cuts a share ``w`` of country ``c``'s output at stage ``e`` (an outage), or of its
  exports at that stage (an export control: ``c``'s own plants downstream keep their feed);
* the loss travels down the chain through the feed matrices: the share of country ``r``'s
  output at stage ``k+1`` lost is ``x_{k+1}[r] = sum_c F_{k+1}[r, c] x_k[c]``, starting from
  ``x_e = 1`` at ``c`` (linear in ``w``, which the engine applies);
* at the arrival stage ``a`` (where U.S. imports arrive), the world market loses
  ``W = sum_r s_a[r] x_a[r]`` of its supply and U.S. imports lose ``U = sum_r u[r] x_a[r]``,
  with ``s_a`` the arrival-stage shares and ``u`` the U.S. import shares by shipping country
  (the share of U.S. imports from countries the statistics do not name carries the exposure of
  the rest of the world);
* the loss arrives ``L = sum of lead_months of the stages e+1 .. a`` months after the event
  starts (whole months, rounded).

Default feed matrix of stage ``k`` from stage ``k-1`` (used where the scenario gives no sourced
one): a country that also produces at ``k-1`` feeds itself first, ``own_r = min(1, Q_{k-1}[r] /
Q_k[r])``; the rest of its feed, and all the feed of countries without upstream output, comes
from the traded pool in proportion to each upstream country's surplus ``max(0, Q_{k-1}[c] -
Q_k[c])`` (its output not used at home: net traded ore). Quantities are the IEA values [kt]
where the series has them, else the shares (world totals taken as equal). "Rest of world" is a
pool country that no event cuts.

The engine sees each stage event as an event on a column ``ISO3@stage`` of the country axis
whose world and U.S. weights are ``W`` and ``U``: the draws (start, duration, share,
occurrence) are the event's own, so common random numbers hold, and events without a stage are
compiled exactly as before.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from stockpile.reference import NoDataError, Stage, stage_chain, stage_shares
from stockpile.simulate._lever_downstream import (
    DownstreamWeights,
    downstream_columns,
    downstream_events,
)
from stockpile.simulate.baseline import MaterialBaseline
from stockpile.simulate.scenario import ExportControl, Outage, Scenario, StageNetworkSpec

__all__ = [
    "ROW",
    "StageColumn",
    "StageCompilation",
    "StageNetwork",
    "StageWeights",
    "build_network",
    "compile_stages",
    "default_feed",
    "propagate",
    "stage_weights",
]

ROW = "ROW"
"""Key of the rest of the world (no country named) in share and feed mappings."""

Shares = Mapping[str, float]
Feed = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class StageNetwork:
    """The stage network of one material.

    Attributes
    ----------
    material : catalogue key.
    chain : stages with sourced shares, upstream first.
    arrival : stage at which U.S. imports arrive.
    shares : country (ISO3 or :data:`ROW`) -> share of world output at each stage [fraction].
    quantities : country -> output at each stage [kt, or the share when no quantity is known].
    feed : downstream stage -> producing country -> upstream country -> feed share [fraction].
    lead : stage -> months in transit from the stage above [month].
    notes : provenance of each part (sources, defaults used).
    """

    material: str
    chain: tuple[Stage, ...]
    arrival: Stage
    shares: Mapping[Stage, Shares]
    quantities: Mapping[Stage, Shares]
    feed: Mapping[Stage, Feed]
    lead: Mapping[Stage, float]
    notes: tuple[str, ...] = field(default=())

    def position(self, stage: Stage) -> int:
        """Index of ``stage`` in :attr:`chain`."""
        return self.chain.index(stage)


@dataclass(frozen=True)
class StageWeights:
    """What a cut of a whole country's output (or exports) at a stage does at arrival.

    Attributes
    ----------
    world : share of world supply at the arrival stage lost per unit cut [-].
    us : share of U.S. imports lost per unit cut [-].
    lead_months : months until the loss reaches the arrival stage [month].
    exposure : arrival-stage country -> share of its output lost per unit cut [-].
    """

    world: float
    us: float
    lead_months: int
    exposure: Mapping[str, float]


def default_feed(upstream: Shares, downstream: Shares) -> dict[str, dict[str, float]]:
    """Feed matrix from quantities at two stages: own feed first, the rest from the traded pool.

    Parameters
    ----------
    upstream, downstream : country -> output at the stage above and at the stage [any unit,
        the same for both].

    Returns
    -------
    dict
        producing country -> upstream country -> share of its feed [fraction]; each row sums
        to 1 (empty when no upstream country has a surplus and the producer has no own feed).
    """
    surplus = {c: max(0.0, q - downstream.get(c, 0.0)) for c, q in upstream.items()}
    pool = sum(surplus.values())
    out: dict[str, dict[str, float]] = {}
    for r, q in downstream.items():
        if q <= 0:
            continue
        own = min(1.0, upstream.get(r, 0.0) / q) if r != ROW else 0.0
        row: dict[str, float] = {}
        if own > 0:
            row[r] = own
        rest = 1.0 - own
        if rest > 1e-12 and pool > 0:
            for c, sp in surplus.items():
                if sp > 0:
                    row[c] = row.get(c, 0.0) + rest * sp / pool
        elif rest > 1e-12 and r != ROW:
            row[r] = row.get(r, 0.0) + rest  # no traded pool: the producer's own supply
        out[r] = row
    return out


def _row(feed: Feed, r: str, pool: Mapping[str, float] | None) -> Mapping[str, float]:
    """Feed row of ``r``; a country absent from the matrix draws from the traded pool."""
    if r in feed:
        return feed[r]
    return pool or {}


def propagate(
    net: StageNetwork,
    stage: Stage,
    country: str,
    *,
    exports_only: bool,
    also: Collection[str] = (),
) -> tuple[dict[str, float], int]:
    """Share of each arrival-stage country's output lost when ``country`` stops at ``stage``.

    Parameters
    ----------
    net : the material's network.
    stage : the stage the event acts at (at or above the arrival stage).
    country : ISO3 code.
    exports_only : an export control (the country's own downstream plants keep their feed)
        rather than an outage.
    also : countries whose arrival-stage exposure is wanted although the stage tables do not
        list them (U.S. suppliers inside "Rest of world"): they draw from the traded pool.

    Returns
    -------
    exposure : country -> lost share of its arrival-stage output [-], for the countries of the
        arrival-stage shares and every country in the feed matrices.
    lead : months until the loss reaches the arrival stage [month].
    """
    i, a = net.position(stage), net.position(net.arrival)
    if i > a:
        raise ValueError(f"stage {stage.value!r} is downstream of the arrival stage")
    lost: dict[str, float] = {country: 1.0}
    lead = 0.0
    for k in range(i + 1, a + 1):
        st = net.chain[k]
        feed = net.feed[st]
        pool = _pool(net, st)
        nxt: dict[str, float] = {}
        names = set(feed) | set(net.shares.get(st, {}))
        if k == a:
            names |= set(also)
        for r in sorted(names):  # a fixed order: the sums below do not depend on hashing
            row = _row(feed, r, pool)
            x = 0.0
            for c, f in row.items():
                if c == r and exports_only and c == country and k == i + 1:
                    continue  # an export control leaves the country's own plants fed
                x += f * lost.get(c, 0.0)
            if x > 0:
                nxt[r] = min(1.0, x)
        lost = nxt
        lead += net.lead.get(st, 0.0)
    return lost, math.floor(lead + 0.5)


def _pool(net: StageNetwork, stage: Stage) -> dict[str, float] | None:
    k = net.position(stage)
    up, down = net.quantities.get(net.chain[k - 1], {}), net.quantities.get(stage, {})
    surplus = {c: max(0.0, q - down.get(c, 0.0)) for c, q in up.items()}
    total = sum(surplus.values())
    if total <= 0:
        return None
    return {c: v / total for c, v in surplus.items() if v > 0}


def stage_weights(
    net: StageNetwork,
    stage: Stage,
    country: str,
    *,
    exports_only: bool,
    us_import_shares: Shares,
) -> StageWeights:
    """World and U.S. weights of a cut of ``country`` at ``stage`` (see the module docstring)."""
    exposure, lead = propagate(
        net, stage, country, exports_only=exports_only, also=list(us_import_shares)
    )
    s_a = net.shares[net.arrival]
    world = sum(s_a.get(r, 0.0) * x for r, x in exposure.items())
    us = sum(us_import_shares.get(r, 0.0) * x for r, x in exposure.items())
    # U.S. imports from countries the import statistics do not name come from arrival-stage
    # producers too: they carry the exposure of the rest of the world
    unnamed = max(0.0, 1.0 - sum(us_import_shares.values()))
    us += unnamed * exposure.get(ROW, 0.0)
    return StageWeights(min(1.0, world), min(1.0, us), lead, exposure)


# -- building a network from the reference data ---------------------------------------------


def _series(
    material: str, year: int
) -> dict[Stage, tuple[dict[str, float], dict[str, float], str]]:
    """Per stage: shares, quantities and a provenance note (IEA of ``year``, else EU 2023)."""
    try:
        rows = stage_shares(material)
    except NoDataError:
        return {}
    out: dict[Stage, tuple[dict[str, float], dict[str, float], str]] = {}
    for st in Stage:
        at = rows[(rows["stage"] == st.value) & (rows["case"] == "observed")]
        iea = at[(at["dataset"] == "IEA_CMDE_2025") & (at["year"] == year)]
        eu = at[at["dataset"] == "EU_CRM_2023"]
        pick, note = (iea, f"IEA CMDE 2025 ({year})") if not iea.empty else (eu, "EU CRM 2023")
        if pick.empty:
            continue
        shares: dict[str, float] = {}
        qty: dict[str, float] = {}
        for r in pick.to_dict("records"):
            key = str(r["iso3"]) or ROW
            share = float(r["share"])
            if not math.isfinite(share):
                continue
            shares[key] = shares.get(key, 0.0) + share
            value = float(r["value"])
            qty[key] = qty.get(key, 0.0) + (value if math.isfinite(value) else share)
        out[st] = (shares, qty, note)
    return out


def build_network(
    material: str,
    *,
    year: int,
    world_shares: Shares,
    arrival: Stage | None = None,
    lead_months: Mapping[Stage, float] | None = None,
    feed: Mapping[Stage, tuple[Feed, str]] | None = None,
    shares: Mapping[Stage, tuple[Shares, str]] | None = None,
) -> StageNetwork:
    """The network of one material from the reference data and the scenario's inputs.

    Parameters
    ----------
    material : catalogue key.
    year : baseline year (IEA series of that year are used where they exist).
    world_shares : the baseline's world shares (USGS mine shares), used for the mine stage
        when the stage tables have none.
    arrival : stage of U.S. imports; the most downstream stage with shares by default.
    lead_months : months in transit into each stage [month].
    feed : sourced feed matrices by stage, with their source.
    shares : sourced shares for stages the reference lacks, with their source.

    Raises
    ------
    ValueError
        A stage without shares on the path, an arrival stage not in the chain, or a feed row
        naming nothing; the message says which.
    """
    chain = tuple(link.stage for link in stage_chain(material))
    found = _series(material, year)
    notes: list[str] = []
    sh: dict[Stage, dict[str, float]] = {}
    qt: dict[Stage, dict[str, float]] = {}
    for st in chain:
        if shares and st in shares:
            given, src = shares[st]
            sh[st] = dict(given)
            # contained material is taken equal from stage to stage: the given shares of the
            # world output of the stage above (1 when no stage above is known)
            above = qt.get(chain[chain.index(st) - 1], {}) if chain.index(st) > 0 else {}
            scale = sum(above.values()) if above else 1.0
            qt[st] = {c: v * scale for c, v in given.items()}
            notes.append(f"{st.value} shares: scenario [{src}]")
        elif st in found:
            sh[st], qt[st], note = found[st]
            notes.append(f"{st.value} shares: {note}")
        elif st is Stage.MINE and world_shares:
            sh[st] = dict(world_shares)
            qt[st] = dict(world_shares)
            notes.append("mine shares: baseline world production shares (USGS MCS)")
    known = tuple(st for st in chain if st in sh)
    if arrival is None:
        if not known:
            raise ValueError(f"{material!r}: no stage has sourced country shares")
        arrival = known[-1]
    if arrival not in chain:
        names = ", ".join(s.value for s in chain)
        raise ValueError(f"arrival stage {arrival.value!r} is not in the chain ({names})")
    # the path from the first known stage to the arrival stage must be known throughout
    path = chain[: chain.index(arrival) + 1]
    start = next((k for k, st in enumerate(path) if st in sh), None)
    if start is None or arrival not in sh:
        raise ValueError(
            f"no sourced country shares at the arrival stage {arrival.value!r}; give "
            f"stages.{material}.shares.{arrival.value} with a source"
        )
    path = path[start:]
    missing = [st.value for st in path if st not in sh]
    if missing:
        raise ValueError(
            f"no sourced country shares at stage(s) {', '.join(missing)} between "
            f"{path[0].value} and {arrival.value}; give stages.{material}.shares with a source"
        )
    fd: dict[Stage, Feed] = {}
    for k in range(1, len(path)):
        st = path[k]
        if feed and st in feed:
            fd[st], src = feed[st]
            notes.append(f"{st.value} feed: scenario matrix [{src}]")
        else:
            fd[st] = default_feed(qt[path[k - 1]], qt[st])
            notes.append(f"{st.value} feed: own supply first, the rest by traded (surplus) shares")
    lead = {st: float((lead_months or {}).get(st, 0.0)) for st in path}
    return StageNetwork(
        material=material,
        chain=path,
        arrival=arrival,
        shares=sh,
        quantities=qt,
        feed=fd,
        lead=lead,
        notes=tuple(notes),
    )


# -- compiling a scenario's stage events ----------------------------------------------------


@dataclass(frozen=True)
class StageColumn:
    """A column of the engine's country axis standing for a cut at one stage.

    Attributes
    ----------
    event : index of the scenario event.
    material : index of the material.
    label : ``ISO3@stage`` (``ISO3@stage:outage`` for an outage).
    world, us : weights of the column [-] (:class:`StageWeights`).
    lead : months until the cut reaches the arrival stage [month].
    """

    event: int
    material: int
    label: str
    world: float
    us: float
    lead: int


def _stage(
    name: str, material: str, chain: Sequence[Stage], path: str, problems: list[tuple[str, str]]
) -> Stage | None:
    names = ", ".join(st.value for st in chain) or "none"
    try:
        st = Stage(name.strip().lower())
    except ValueError:
        problems.append((path, f"unknown stage {name!r} for {material!r}; its stages: {names}"))
        return None
    if st not in chain:
        problems.append((path, f"{material!r} has no {st.value!r} stage; its stages: {names}"))
        return None
    return st


@dataclass(frozen=True)
class StageCompilation:
    """The stage part of a compiled scenario.

    Attributes
    ----------
    networks : material key -> network (materials with stage events or a ``stages`` entry).
    columns : one per (stage event, material) pair, then one per restricted stage of each
        ``move_downstream`` lever (its export control follows the scenario's events).
    problems : (field path, reason) of everything refused.
    downstream : lever index -> what its cut does at its downstream stage.
    """

    networks: Mapping[str, StageNetwork]
    columns: tuple[StageColumn, ...]
    problems: tuple[tuple[str, str], ...]
    downstream: Mapping[int, DownstreamWeights] = field(default_factory=dict)


def compile_stages(
    scenario: Scenario,
    keys: Sequence[str],
    baselines: Sequence[MaterialBaseline],
    resolve_material: Callable[[str], str | None],
    resolve_country: Callable[[str], str | None],
) -> StageCompilation:
    """Build the networks and the engine columns of a scenario's stage events.

    Parameters
    ----------
    scenario : the validated scenario.
    keys : material keys of the scenario [M].
    baselines : their baselines [M].
    resolve_material, resolve_country : name -> key / ISO3 code, or None when unknown.
    """
    problems: list[tuple[str, str]] = []
    specs: dict[str, tuple[str, StageNetworkSpec]] = {}
    for name, spec in scenario.stages.items():
        key = resolve_material(name)
        if key is None:
            problems.append((f"stages.{name}", f"unknown material {name!r}"))
        elif key not in keys:
            problems.append((f"stages.{name}", f"{key!r} is not a scenario material"))
        else:
            specs[key] = (name, spec)
    wanted = set(specs)
    for ev in scenario.events:
        if isinstance(ev, ExportControl | Outage) and ev.stage is not None:
            for mname in ev.materials:
                key = resolve_material(mname)
                if key is not None and key in keys:
                    wanted.add(key)
    cuts = downstream_events(scenario)
    for _, lever, _ in cuts:
        key = resolve_material(lever.material)
        if key is not None and key in keys and len(stage_chain(key)) > 1:
            wanted.add(key)
    networks: dict[str, StageNetwork] = {}
    for key in sorted(wanted, key=keys.index):
        name, spec = specs.get(key, (key, StageNetworkSpec()))
        path = f"stages.{name}"
        chain = tuple(link.stage for link in stage_chain(key))
        arrival = (
            _stage(spec.arrival, key, chain, f"{path}.arrival", problems)
            if spec.arrival is not None
            else None
        )
        leads: dict[Stage, float] = {}
        for sname, months in spec.lead_months.items():
            st = _stage(sname, key, chain, f"{path}.lead_months.{sname}", problems)
            if st is not None:
                leads[st] = months
        feed: dict[Stage, tuple[Feed, str]] = {}
        for sname, fspec in spec.feed.items():
            fpath = f"{path}.feed.{sname}"
            st = _stage(sname, key, chain, fpath, problems)
            if st is None:
                continue
            if chain.index(st) == 0:
                problems.append((fpath, f"{st.value!r} is the first stage; it has no feed"))
                continue
            matrix: dict[str, dict[str, float]] = {}
            for producer, row in fspec.shares.items():
                p_iso = _country(producer, f"{fpath}.shares.{producer}", resolve_country, problems)
                cells: dict[str, float] = {}
                for supplier, value in row.items():
                    cpath = f"{fpath}.shares.{producer}.{supplier}"
                    s_iso = (
                        ROW
                        if supplier.strip().lower() in ("row", "rest of world")
                        else _country(supplier, cpath, resolve_country, problems)
                    )
                    if s_iso is not None:
                        cells[s_iso] = cells.get(s_iso, 0.0) + value
                if p_iso is not None:
                    matrix[p_iso] = cells
            feed[st] = (matrix, fspec.source)
        given: dict[Stage, tuple[Shares, str]] = {}
        for sname, sspec in spec.shares.items():
            spath = f"{path}.shares.{sname}"
            st = _stage(sname, key, chain, spath, problems)
            if st is None:
                continue
            sh: dict[str, float] = {}
            for country, value in sspec.shares.items():
                iso = (
                    ROW
                    if country.strip().lower() in ("row", "rest of world")
                    else _country(country, f"{spath}.shares.{country}", resolve_country, problems)
                )
                if iso is not None:
                    sh[iso] = value
            given[st] = (sh, sspec.source)
        if problems:
            continue
        try:
            networks[key] = build_network(
                key,
                year=scenario.baseline.year,
                world_shares=baselines[keys.index(key)].world_shares,
                arrival=arrival,
                lead_months=leads,
                feed=feed,
                shares=given,
            )
        except ValueError as exc:
            problems.append((path, str(exc)))
    columns: list[StageColumn] = []
    for i, ev in enumerate(scenario.events):
        if not isinstance(ev, ExportControl | Outage) or ev.stage is None:
            continue
        iso3 = resolve_country(ev.country)
        if iso3 is None:
            continue  # reported by the country check
        for mname in ev.materials:
            key = resolve_material(mname)
            if key is None or key not in networks:
                continue
            net = networks[key]
            full = tuple(link.stage for link in stage_chain(key))
            st = _stage(ev.stage, key, full, f"events[{i}].stage", problems)
            if st is None:
                continue
            if st not in net.chain:
                problems.append(
                    (
                        f"events[{i}].stage",
                        f"{key!r}: stage {st.value!r} is downstream of the stage at which U.S. "
                        f"imports arrive ({net.arrival.value!r}) or has no sourced shares; set "
                        f"stages.{key}.arrival (and stages.{key}.shares with a source)",
                    )
                )
                continue
            exports_only = isinstance(ev, ExportControl)
            weights = stage_weights(
                net,
                st,
                iso3,
                exports_only=exports_only,
                us_import_shares=baselines[keys.index(key)].us_import_shares,
            )
            label = f"{iso3}@{st.value}" + ("" if exports_only else ":outage")
            columns.append(
                StageColumn(
                    i, keys.index(key), label, weights.world, weights.us, weights.lead_months
                )
            )
    downstream: dict[int, DownstreamWeights] = {}
    for n, (i, lever, _) in enumerate(cuts):
        found = downstream_columns(
            i,
            len(scenario.events) + n,
            lever,
            networks,
            keys,
            baselines,
            resolve_material,
            resolve_country,
            problems,
        )
        if found is not None:
            columns.extend(found[0])
            downstream[i] = found[1]
    return StageCompilation(networks, tuple(columns), tuple(problems), downstream)


def _country(
    name: str,
    path: str,
    resolve: Callable[[str], str | None],
    problems: list[tuple[str, str]],
) -> str | None:
    iso = resolve(name)
    if iso is None:
        problems.append((path, f"unknown country {name!r} (use an ISO3 code or a USGS name)"))
    return iso
