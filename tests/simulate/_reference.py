"""Slow, plain reference implementation of the monthly engine: one scenario, one material,
one month at a time, with Python floats and a bisection price search. Written for clarity;
the vectorised engine must match it to 1e-9 on the same draws."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from stockpile.simulate.compile import DAYS_PER_MONTH, CompiledScenario, EventKind, ResponseKind
from stockpile.simulate.draws import Draws
from stockpile.simulate.engine import SHORTFALL_TOLERANCE
from stockpile.simulate.scenario import RampShape, ReleaseTrigger


def bisect_price(x: float, spare: float, ed: float, es: float, max_ratio: float) -> float:
    """Solve (r^ed) = (1 - x) r^es + spare by bisection on log r (D0 = S0 = 1)."""

    def excess(u: float) -> float:
        return math.exp(ed * u) - ((1.0 - x) * math.exp(es * u) + spare)

    lo, hi = -math.log(max_ratio), math.log(max_ratio)
    if excess(hi) > 0:
        return max_ratio
    if excess(lo) < 0:
        return 1.0 / max_ratio
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if excess(mid) > 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15:
            break
    return math.exp(0.5 * (lo + hi))


@dataclass
class MonthRecord:
    demand: list[float]
    shortfall: list[float]
    release: float
    stock: float
    price_ratio: float


@dataclass
class Trace:
    shortfall_by_class: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    release: float = 0.0
    final_stock: float = 0.0
    peak_price_ratio: float = 1.0
    mean_price_ratio: float = 0.0
    months_to_stockout: float = math.nan
    months_short: int = 0
    days_of_cover: float = math.nan
    servable_by_class: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    months: list[MonthRecord] = field(default_factory=list)


def _active(start: int, length: int, t: int) -> bool:
    return start <= t < start + length


def simulate_one(model: CompiledScenario, draws: Draws, s: int, m: int) -> Trace:
    """Simulate scenario row ``s`` of ``draws`` for material ``m``."""
    cons = float(model.consumption[m])
    imports = float(model.net_imports[m])
    tol = SHORTFALL_TOLERANCE * cons
    ed, es = float(draws.ed[s, m]), float(draws.es[s, m])
    sd, se = float(draws.defence[s, m]), float(draws.essential[s, m])
    so = max(1.0 - sd - se, 0.0)
    shares = [sd, se, so]
    serve = [bool(v) for v in model.serve]
    stock = float(model.stock0[m])
    forms = model.forms
    upstream = float(forms.upstream0[m]) if forms is not None else 0.0
    convert = float(forms.conversion_capacity[m]) if forms is not None else 0.0
    convert_lead = float(forms.conversion_lead[m]) if forms is not None else 0.0
    capacity = float(draws.release_capacity_share[s]) * (stock + upstream)
    absolute = math.inf if model.release_capacity is None else float(model.release_capacity[m])
    capacity = min(capacity, absolute)
    route = model.route
    bought_upstream = route is not None and bool(route.upstream[m])
    serve_cap = absolute
    if bought_upstream:
        assert route is not None
        serve_cap = min(absolute, float(route.conversion_capacity[m]))
    measure = model.capacity_bounded or (route is not None and bool(route.upstream.any()))
    trace = Trace()
    served_share = sum(shares[c] for c in range(3) if serve[c])
    if served_share > 0:
        trace.days_of_cover = stock / (cons * served_share / DAYS_PER_MONTH)

    events = []
    for ev, d in zip(model.events, draws.events, strict=True):
        events.append(
            {
                "ev": ev,
                "occurs": bool(d.occurs[s]),
                "start": int(d.start[s]),
                "duration": int(d.duration[s]),
                "share": float(d.share[s]),
                "surge": float(d.surge[s]),
                "rep": int(d.replenishment[s]),
                "rep_surge": float(d.replenishment_surge[s]),
            }
        )
    onset = math.inf
    for e in events:
        if e["occurs"] and e["ev"].materials[m]:
            onset = min(onset, e["start"])
    # market dynamics (docs/model.md): response factor g after the onset, inventories first
    dyn = draws.dynamics
    inventory = 0.0 if dyn is None else float(dyn.inventory_cover_months[s])
    # moves downstream with an expansion: the month each restriction first arrives
    moves = [d for d in model.levers.downstream if d.material == m]
    first_reached = [math.inf] * len(moves)

    for t in range(model.horizon):
        # availability of each origin country
        x = 0.0
        lost = 0.0
        for k in range(len(model.countries)):
            a_world, a_us = 1.0, 1.0
            for e in events:
                ev = e["ev"]
                if not (ev.countries[k] and ev.materials[m] and e["occurs"]):
                    continue
                if not _active(e["start"], e["duration"], t):
                    continue
                if ev.world:
                    a_world *= 1.0 - e["share"]
                if ev.us:
                    a_us *= 1.0 - e["share"]
            x += (1.0 - a_world) * float(model.world_shares[m, k])
            lost += (1.0 - a_us) * float(model.import_shares[m, k])
        x, lost = min(x, 1.0), min(lost, 1.0)
        surge = 1.0
        emergency = False
        for e in events:
            ev = e["ev"]
            if ev.kind is not EventKind.CONFLICT or not e["occurs"]:
                continue
            in_war = _active(e["start"], e["duration"], t)
            in_rep = _active(e["start"] + e["duration"], e["rep"], t)
            emergency = emergency or in_war or in_rep
            if ev.materials[m]:
                surge *= e["surge"] if in_war else (e["rep_surge"] if in_rep else 1.0)
        resp = {kind: 0.0 for kind in ResponseKind}
        for r, d in zip(model.responses, draws.responses, strict=True):
            if not r.materials[m]:
                continue
            if r.ramp is RampShape.CALIBRATED:
                # the share of the long-run adjustment made, with the dynamics' own T
                assert dyn is not None
                t_adj = float(dyn.adjustment_months[s])
                frac = 1.0 - math.exp(-(t - onset) / t_adj) if t >= onset else 0.0
                resp[r.kind] = min(resp[r.kind] + float(d.max_share[s]) * frac, 1.0)
                continue
            begin = onset + float(d.lead[s])
            ramp = max(float(d.ramp[s]), 1.0)
            frac = 0.0 if math.isinf(begin) else min(max((t - begin + 1.0) / ramp, 0.0), 1.0)
            resp[r.kind] = min(resp[r.kind] + float(d.max_share[s]) * frac, 1.0)
        spare = resp[ResponseKind.SPARE_CAPACITY]
        # move downstream: the supplier's new downstream capacity fills the gap it made
        for n, move in enumerate(moves):
            gap = lost_us = 0.0
            for e, w, u in zip(move.events, move.world, move.us, strict=True):
                ev = events[e]
                if ev["occurs"] and _active(ev["start"], ev["duration"], t):
                    first_reached[n] = min(first_reached[n], t)
                    gap += ev["share"] * w
                    lost_us += ev["share"] * u
            gap, lost_us = min(gap, 1.0), min(lost_us, 1.0)
            since = t - first_reached[n]
            on_line = 0.0
            if not math.isinf(since):
                frac = (since - move.lead_months + 1.0) / move.ramp_months
                on_line = move.expansion * min(max(frac, 0.0), 1.0)
            fill = min(on_line, gap)
            if fill > 0:
                spare += fill
                if lost > 0 and imports > 0:
                    restored = fill / gap * lost_us
                    resp[ResponseKind.NEW_SUPPLY] = min(
                        resp[ResponseKind.NEW_SUPPLY] + min(restored / lost, 1.0), 1.0
                    )
        g = 1.0
        if dyn is not None:
            k, t_adj = float(dyn.long_run_multiplier[s]), float(dyn.adjustment_months[s])
            if t - onset >= 0:
                g = k - (k - 1.0) * math.exp(-(t - onset) / t_adj)
            drawn = min(inventory, x)
            inventory -= drawn
            spare += drawn
        ratio = 1.0
        if x > 0 or spare > 0:
            ratio = bisect_price(x, spare, ed * g, es * g, model.max_price_ratio)
        civil = ratio ** (ed * g) * (1.0 - resp[ResponseKind.SUBSTITUTION])
        demand = [
            cons * sd * surge,
            cons * se * civil,
            cons * so * civil * (1.0 - resp[ResponseKind.AUSTERITY]),
        ]
        supply = (
            (cons - imports)
            + imports * (1.0 - lost * (1.0 - resp[ResponseKind.NEW_SUPPLY]))
            + cons * resp[ResponseKind.RECYCLING]
        )
        gaps = []
        for c in range(3):
            served = min(demand[c], max(supply, 0.0))
            supply -= served
            gap = demand[c] - served
            gaps.append(gap if gap > tol else 0.0)
        # servable gaps (routes.py): served up to the capacity, highest class first
        if measure:
            begin = 0.0
            if bought_upstream and route is not None:
                begin = onset + float(route.conversion_lead[m])
            left = serve_cap
            for c in range(3):
                given = min(gaps[c], left) if t >= begin else 0.0
                trace.servable_by_class[c] += given
                left -= given
        # upstream forms (ore) become usable through conversion, from onset + conversion lead
        if upstream > 0 and t >= onset + convert_lead:
            moved = min(upstream, convert)
            upstream -= moved
            stock += moved
        allowed = model.trigger is ReleaseTrigger.SHORTFALL or (
            model.trigger is ReleaseTrigger.EMERGENCY and emergency
        )
        need = sum(gaps[c] for c in range(3) if serve[c])
        release = min(stock, capacity, need) if allowed else 0.0
        left = release
        shortfall = []
        for c in range(3):
            give = min(gaps[c], left) if serve[c] else 0.0
            left -= give
            shortfall.append(gaps[c] - give)
        stock -= release
        served_short = sum(shortfall[c] for c in range(3) if serve[c])
        for c in range(3):
            trace.shortfall_by_class[c] += shortfall[c]
        trace.release += release
        trace.peak_price_ratio = max(trace.peak_price_ratio, ratio)
        trace.mean_price_ratio += ratio / model.horizon
        if served_short > tol:
            trace.months_short += 1
            if math.isnan(trace.months_to_stockout):
                trace.months_to_stockout = float(t)
        trace.months.append(MonthRecord(demand, shortfall, release, stock, ratio))
    trace.final_stock = stock
    if math.isnan(cons) or math.isnan(imports):  # no U.S. balance without the data
        nan = math.nan
        trace.shortfall_by_class = [nan, nan, nan]
        trace.servable_by_class = [nan, nan, nan]
        trace.release = trace.final_stock = trace.months_to_stockout = nan
        for rec in trace.months:
            rec.shortfall, rec.stock = [nan, nan, nan], nan
    return trace


def stage_weights(
    net: object, stage: object, country: str, exports_only: bool, us_import_shares: dict
) -> tuple[float, float]:
    """World and U.S. weights of a full cut of ``country`` at ``stage``, by plain matrices.

    Builds, for each step down the chain, the dense feed matrix over every country named
    anywhere in the network (a producer missing from the matrix draws from the traded pool of
    surpluses), multiplies the lost-share vector through it and weights the arrival stage.
    """
    chain = list(net.chain)  # type: ignore[attr-defined]
    qty = net.quantities  # type: ignore[attr-defined]
    names = sorted(
        {c for st in chain for c in net.shares[st]}  # type: ignore[attr-defined]
        | {c for st in net.feed for r in net.feed[st] for c in [r, *net.feed[st][r]]}  # type: ignore[attr-defined]
        | set(us_import_shares)
        | {country}
    )
    idx = {c: i for i, c in enumerate(names)}
    lost = [0.0] * len(names)
    lost[idx[country]] = 1.0
    first = chain.index(stage)
    arrival = chain.index(net.arrival)  # type: ignore[attr-defined]
    for k in range(first + 1, arrival + 1):
        st = chain[k]
        up, down = qty[chain[k - 1]], qty[st]
        surplus = {c: max(0.0, q - down.get(c, 0.0)) for c, q in up.items()}
        total = sum(surplus.values())
        pool = {c: v / total for c, v in surplus.items() if v > 0} if total > 0 else {}
        feed = net.feed[st]  # type: ignore[attr-defined]
        listed = set(feed) | set(net.shares[st])  # type: ignore[attr-defined]
        if k == arrival:
            listed |= set(us_import_shares)
        new = [0.0] * len(names)
        for r in names:
            if r not in listed:
                continue
            row = feed.get(r, pool)
            x = 0.0
            for c, f in row.items():
                if exports_only and k == first + 1 and c == r == country:
                    continue
                x += f * lost[idx[c]]
            new[idx[r]] = min(1.0, x)
        lost = new
    s_a = net.shares[net.arrival]  # type: ignore[attr-defined]
    world = sum(s_a.get(c, 0.0) * lost[idx[c]] for c in names)
    us = sum(us_import_shares.get(c, 0.0) * lost[idx[c]] for c in names)
    rest = max(0.0, 1.0 - sum(us_import_shares.values()))
    if "ROW" in idx:
        us += rest * lost[idx["ROW"]]
    return min(1.0, world), min(1.0, us)
