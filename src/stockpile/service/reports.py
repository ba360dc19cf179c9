"""Reports as PDF: the operations report of a fiscal year, the scenario report and the brief.

Each renders a use case's result (:mod:`stockpile.usecases`); the HTML versions are templates
over the same results (``web/templates/report_*.html``). The PDF is drawn with fpdf2 (core
fonts, charts from vector primitives), so no browser or system library is needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fpdf import FPDF

from stockpile.display import format_number, unit_label
from stockpile.usecases import BriefReport, OperationsReport, SimulationReport

__all__ = ["brief_pdf", "operations_pdf", "scenario_pdf"]


# ---- PDF ------------------------------------------------------------------------------

_SUBST = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "≥": ">=",
        "≤": "<=",
        "•": "*",
        "→": "->",
        "…": "...",
        "\u00a0": " ",
    }
)


def _t(text: object) -> str:
    """Text the PDF core fonts can print (Latin-1; other characters replaced)."""
    return str(text).translate(_SUBST).encode("latin-1", "replace").decode("latin-1")


def _num(v: object, digits: int = 0) -> str:
    return format_number(v, decimals=digits, missing="-")


class _Pdf(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._title = title
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(_t(title))
        self.set_creator("strategic-stockpile")

    def header(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.cell(0, 6, _t(self._title), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 6, f"page {self.page_no()}", align="R")

    def h1(self, text: str) -> None:
        self.set_font("Helvetica", "B", 15)
        self.multi_cell(0, 8, _t(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def h2(self, text: str) -> None:
        self.ln(2)
        self.set_font("Helvetica", "B", 11)
        self.cell(0, 7, _t(text), new_x="LMARGIN", new_y="NEXT")

    def para(self, text: str) -> None:
        self.set_font("Helvetica", "", 9)
        self.multi_cell(0, 4.5, _t(text), new_x="LMARGIN", new_y="NEXT")

    def data_table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        widths: Sequence[float] | None = None,
    ) -> None:
        self.set_font("Helvetica", "", 8)
        self.set_fill_color(255, 255, 255)
        self.set_draw_color(150, 150, 150)
        kwargs = {} if widths is None else {"col_widths": tuple(widths)}
        with self.table(text_align="LEFT", line_height=4.5, **kwargs) as tab:
            head = tab.row()
            for h in header:
                head.cell(_t(h))
            for r in rows:
                row = tab.row()
                for v in r:
                    row.cell(_t(v))

    def bar_chart(self, labels: Sequence[str], values: Sequence[float], title: str) -> None:
        """A horizontal bar chart drawn with rectangles."""
        if not values:
            return
        self.h2(title)
        top = max(values) or 1.0
        x0, width, bar_h = self.l_margin + 45, self.epw - 70, 5.0
        self.set_font("Helvetica", "", 8)
        for label, v in zip(labels, values, strict=True):
            y = self.get_y()
            if y + bar_h > self.h - 20:
                self.add_page()
                y = self.get_y()
            self.set_xy(self.l_margin, y)
            self.cell(44, bar_h, _t(label)[:28], align="R")
            self.set_fill_color(31, 95, 168)
            self.rect(x0, y + 0.7, max(width * v / top, 0.3), bar_h - 1.4, style="F")
            self.set_xy(x0 + width * v / top + 1, y)
            self.cell(25, bar_h, _num(v, 1))
            self.set_xy(self.l_margin, y + bar_h)
        self.ln(2)

    def fan_chart(self, quantiles: dict[str, list[float | None]], title: str, y_label: str) -> None:
        """A fan chart: 5-95 % and 25-75 % bands and the median line."""
        self.h2(title)
        w, h = self.epw - 20, 45.0
        if self.get_y() + h + 10 > self.h - 15:
            self.add_page()
        x0, y0 = self.l_margin + 15, self.get_y() + 2
        series = {
            q: [float("nan") if v is None else float(v) for v in vals]
            for q, vals in quantiles.items()
        }
        finite = [v for vals in series.values() for v in vals if v == v]
        if not finite:
            self.para("No finite values.")
            return
        lo, hi = min(finite), max(finite)
        if hi == lo:  # a flat path: centre it in a band of +-5 %
            pad = max(abs(lo) * 0.05, 1.0)
            lo, hi = lo - pad, hi + pad
        span = hi - lo
        n = max(len(next(iter(series.values()))), 2)

        def pt(i: int, v: float) -> tuple[float, float]:
            return x0 + w * i / (n - 1), y0 + h - h * (v - lo) / span

        self.set_draw_color(120, 120, 120)
        self.rect(x0, y0, w, h)
        for (a, b), shade in ((("0.05", "0.95"), 215), (("0.25", "0.75"), 170)):
            if a in series and b in series:
                up = [pt(i, v) for i, v in enumerate(series[b]) if v == v]
                down = [pt(i, v) for i, v in reversed(list(enumerate(series[a]))) if v == v]
                if len(up) > 1 and len(down) > 1:
                    self.set_fill_color(shade, shade + 20 if shade < 235 else 255, 255)
                    self.polygon(up + down, style="F")
        if "0.5" in series:
            self.set_draw_color(31, 95, 168)
            self.set_line_width(0.5)
            self.polyline([pt(i, v) for i, v in enumerate(series["0.5"]) if v == v])
            self.set_line_width(0.2)
        self.set_font("Helvetica", "", 7)
        self.set_xy(self.l_margin, y0 - 1)
        self.cell(14, 4, _num(hi, 1), align="R")
        self.set_xy(self.l_margin, y0 + h - 3)
        self.cell(14, 4, _num(lo, 1), align="R")
        self.set_xy(x0, y0 + h + 1)
        self.cell(w, 4, _t(f"month 1 - {n}; {y_label}; bands 5-95 % and 25-75 %, line median"))
        self.set_xy(self.l_margin, y0 + h + 7)


def operations_pdf(report: OperationsReport) -> bytes:
    """The operations report as PDF."""
    pdf = _Pdf(f"{report.stockpile_name}: operations report FY{report.fiscal_year}")
    pdf.add_page()
    pdf.h1(f"Operations report, fiscal year {report.fiscal_year}")
    pdf.para(
        f"{report.stockpile_name} ({report.regime}); period {report.start} to {report.end}; "
        f"generated {report.generated_at:%Y-%m-%d %H:%M} UTC. Market value of the valued "
        f"holdings: USD {_num(report.market_value())}."
        + (" Holdings marked illustrative are not real holdings." if report.illustrative() else "")
    )
    bars = report.value_bars()
    pdf.bar_chart(bars.labels, bars.values, "Market value by material [million USD]")
    pdf.h2("Holdings")
    pdf.data_table(
        ["material", "quantity", "unit", "lots", "cost basis [USD]", "value [USD]", "cover [d]"],
        [
            [
                h.material + (" (illustrative)" if h.illustrative else ""),
                _num(h.quantity, 1),
                unit_label(h.unit),
                h.lots,
                _num(h.cost_basis),
                _num(h.market_value),
                _num(h.days_of_cover),
            ]
            for h in report.holdings
        ],
    )
    pdf.h2("Funds")
    pdf.data_table(
        ["fund", "kind", "balance [USD]"],
        [[f"{f.code} {f.name}", f.kind, _num(f.balance)] for f in report.funds],
    )
    if report.caps:
        pdf.h2("Spending caps")
        pdf.data_table(
            ["material", "ceiling [USD]", "spent", "remaining"],
            [[c.material, _num(c.ceiling), _num(c.spent), _num(c.remaining)] for c in report.caps],
        )
    pdf.h2("Releases and reports to the committees")
    if report.releases:
        pdf.data_table(
            ["#", "material", "quantity", "purpose / basis", "status", "report"],
            [
                [
                    r.id,
                    r.material,
                    f"{_num(r.quantity, 2)} {unit_label(r.unit)}",
                    f"{r.purpose} / {r.legal_basis}",
                    r.status,
                    r.report or "-",
                ]
                for r in report.releases
            ],
        )
    else:
        pdf.para("No release was requested in the period.")
    pdf.h2(f"Transactions ({len(report.operations)})")
    pdf.para("; ".join(f"{k}: {v}" for k, v in report.operation_counts().items()) or "None.")
    if report.operations:
        pdf.data_table(
            ["#", "at (UTC)", "kind", "actor", "summary"],
            [
                [o.id, f"{o.at:%Y-%m-%d %H:%M}", o.kind, o.actor, o.summary[:160]]
                for o in report.operations[:500]
            ],
            widths=(7, 24, 16, 22, 111),
        )
    return bytes(pdf.output())


def scenario_pdf(report: SimulationReport, *, job_id: str, finished_at: dt.datetime) -> bytes:
    """A finished simulation job's report as PDF (summary table and fan charts)."""
    pdf = _Pdf(f"Scenario report: {report.scenario}")
    pdf.add_page()
    pdf.h1(f"Scenario {report.scenario}")
    pdf.para(
        f"{report.runs} Monte Carlo runs, seed {report.seed}, horizon "
        f"{report.horizon_months} months; {report.holdings_note}. Job {job_id}, "
        f"finished {finished_at:%Y-%m-%d %H:%M} UTC."
    )
    rows = [
        [
            m.material,
            unit_label(m.unit),
            _num(m.probability_shortfall, 2),
            _num(m.probability_priority_shortfall, 2),
            _num(m.shortfall.mean),
            _num(m.shortfall.p90),
            _num(m.peak_price_ratio.p50, 2),
        ]
        for m in report.materials
    ]
    for m in report.materials:
        for warning in m.warnings:
            pdf.para(f"Warning, {m.material}: {warning}")
    pdf.h2("Summary by material")
    pdf.data_table(
        [
            "material",
            "unit",
            "P(short)",
            "P(priority short)",
            "mean short",
            "p90 short",
            "peak P/P0 p50",
        ],
        rows,
    )
    for m in report.materials:
        if m.stock_fan is not None:
            pdf.fan_chart(
                {f"{q:g}": path for q, path in m.stock_fan.bands().items()},
                f"{m.material}: stockpile holdings",
                f"stock [{unit_label(m.unit)}]",
            )
        if m.price_fan is not None:
            pdf.fan_chart(
                {f"{q:g}": path for q, path in m.price_fan.bands().items()},
                f"{m.material}: price / reference price",
                "P/P0 [-]",
            )
    return bytes(pdf.output())


def brief_pdf(report: BriefReport) -> bytes:
    """The brief as PDF: its text, section by section, in a fixed-width font."""
    pdf = _Pdf(f"Brief {report.generated_on}")
    pdf.add_page()
    pdf.h1(f"Brief: programme {report.programme}, {report.budget_usd:,.0f} USD")
    pdf.set_font("Courier", "", 6.5)
    for line in report.to_text().splitlines():
        pdf.multi_cell(0, 3.2, _t(line) or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
