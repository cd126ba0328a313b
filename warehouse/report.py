"""研判材料: the monthly review pack, a Word document the centre edits and prints.

For month M of year Y it holds the year-to-date headline figures (1-M月) with 同比 and
target progress, charts drawn offline by matplotlib, the ranking of units, the red
warnings at the month's end with their liaison leaders, the projects that entered a stage
in the month, how the previous meeting's decisions stand, and a table for this meeting's
decisions, which are entered afterwards (record_decisions) and followed up next month.
Every figure comes from the queries the pages run, at the published period.
"""

from __future__ import annotations

import calendar
import io
import sys
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from base.reference import load_reference

from . import accounts, build, periods
from .bulletins import limits
from .db import writer
from .metrics import HEADLINE, METRICS, ratio, yi
from .queries import Filters, headline, run

DECISION_COLUMNS = ("序号", "单位", "项目名称", "研判事由", "研判意见（会上填写）", "责任单位及责任人", "完成时限")
FOLLOWUP_COLUMNS = ("序号", "单位", "项目名称", "上月研判意见", "责任单位及责任人", "完成时限", "目前阶段", "预警")
MAX_DECISION_LENGTH = 500
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK", "Source Han Sans", "WenQuanYi", "SimHei", "Microsoft YaHei")


class ReportError(ValueError):
    """The pack cannot be made; str(e) says why in Chinese."""


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    value: Decimal | int | None
    previous: Decimal | int | None
    target: Decimal | None

    @property
    def growth(self) -> Decimal | None:
        """同比 as a fraction; None without a previous value to compare."""
        if self.value is None or not self.previous or self.unit == "%":
            return None
        return ratio(Decimal(self.value) - Decimal(self.previous), self.previous)

    @property
    def completion(self) -> Decimal | None:
        return ratio(self.value, self.target) if self.target and self.value is not None else None


@dataclass(frozen=True)
class Pack:
    """What the document shows, as numbers and frames (the test compares them with the queries)."""

    city: str
    month: date  # first day
    as_of: date | None
    published_through: date | None
    figures: list[Figure]
    by_month: pl.DataFrame
    by_unit: pl.DataFrame
    by_chain: pl.DataFrame
    start_rates: pl.DataFrame
    ranking: pl.DataFrame  # rank, unit_name, projects, amount_yi, previous_amount_yi, growth, start_rate
    red_warnings: pl.DataFrame
    stage_changes: pl.DataFrame
    review: pl.DataFrame  # this meeting's items (review_items), with decisions entered so far
    followup: pl.DataFrame  # the previous meeting's decisions (query review_decisions)

    @property
    def period(self) -> str:
        return f"{self.month.year}年1-{self.month.month}月" if self.month.month > 1 else f"{self.month.year}年1月"


def collect(cur: duckdb.DuckDBPyConnection, month: date) -> Pack:
    """The pack's contents for `month` (any day of it)."""
    month = month.replace(day=1)
    state = periods.state(cur)
    filters = Filters(month.year, 1, month.month)
    now, before = headline(cur, filters), headline(cur, filters.previous_year())
    as_of = now["as_of"]
    if as_of is None or as_of < month:
        shown = f"{as_of:%Y年%-m月%-d日}" if as_of else "尚无数据"
        raise ReportError(f"{month:%Y年%-m月}尚无已发布的数据（数据截至：{shown}），无法生成该月的研判材料")
    targets = {r["metric"]: r["target"] for r in run(cur, "overview_targets", filters).iter_rows(named=True)}
    figures = [
        Figure(key, METRICS[key].label, METRICS[key].unit, now[key], before[key],
               Decimal(str(targets[key])) if targets.get(key) is not None else None)
        for key in HEADLINE
    ]
    by_unit = run(cur, "signing_by_unit", filters)
    start_rates = run(cur, "starts_by_unit", filters)
    warnings = _red_warnings(cur, month, as_of)
    return Pack(
        city=load_reference().city_name,
        month=month,
        as_of=as_of,
        published_through=state.published_through,
        figures=figures,
        by_month=run(cur, "signing_by_month", filters),
        by_unit=by_unit,
        by_chain=run(cur, "signing_by_chain", filters),
        start_rates=start_rates,
        ranking=_ranking(by_unit, start_rates),
        red_warnings=warnings,
        stage_changes=run(cur, "report_stage_changes", first=month, last=_month_end(month)),
        review=_review(cur, month, warnings),
        followup=run(cur, "review_decisions", month=periods.months_before(month, 1)),
    )


def _month_end(month: date) -> date:
    return date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])


def _red_warnings(cur: duckdb.DuckDBPyConnection, month: date, as_of: date) -> pl.DataFrame:
    """The red warnings at the month's end (at the data date, if earlier)."""
    warnings = run(cur, "pipeline_warnings", as_of=min(_month_end(month), as_of), units=[], chains=[], **limits().params())
    return warnings.filter(pl.col("level") == "red")


def _review(cur: duckdb.DuckDBPyConnection, month: date, warnings: pl.DataFrame) -> pl.DataFrame:
    """The meeting's items: each red warning, with the decision entered for it so far."""
    entered = {r["project_key"]: r for r in run(cur, "review_decisions", month=month).iter_rows(named=True)}
    rows = []
    for r in warnings.iter_rows(named=True):
        before = entered.get(r["project_key"], {})
        rows.append({
            "project_key": r["project_key"], "unit_name": r["unit_name"],
            "project_name": r["project_name"], "reason": f"红色预警：{r['stage_label']} {r['days']} 天",
            "decision": before.get("decision") or "", "responsible": before.get("responsible") or "",
            "due": before.get("due") or "",
        })
    return pl.DataFrame(rows, schema={k: pl.String for k in (
        "project_key", "unit_name", "project_name", "reason", "decision", "responsible", "due")})


def review_items(cur: duckdb.DuckDBPyConnection, month: date) -> pl.DataFrame:
    """The projects the meeting on `month` reviews, with the decisions entered so far."""
    month = month.replace(day=1)
    as_of = run(cur, "as_of").item()
    if as_of is None or as_of < month:
        return _review(cur, month, pl.DataFrame(schema={"project_key": pl.String}))
    return _review(cur, month, _red_warnings(cur, month, as_of))


def record_decisions(db, month: date, items: pl.DataFrame, entries: dict[str, dict], user: str,
                     ip: str | None = None) -> int:
    """Enter the meeting's decisions: entries maps a project key of `items` (review_items) to
    its decision, responsible and due; only what changed is written. Returns the count."""
    month = month.replace(day=1)
    known = {r["project_key"]: r for r in items.iter_rows(named=True)}
    changed = []
    for key, entry in entries.items():
        if key not in known:
            raise ReportError("该项目不在本月研判项目中，无法录入研判意见")
        values = {f: " ".join(str(entry.get(f) or "").split()) for f in ("decision", "responsible", "due")}
        if any(len(v) > MAX_DECISION_LENGTH for v in values.values()):
            raise ReportError(f"研判意见、责任单位及责任人、完成时限每项最多 {MAX_DECISION_LENGTH} 字")
        if values["decision"] == "" and (values["responsible"] or values["due"]):
            raise ReportError(f"「{known[key]['project_name']}」填写了责任人或时限，但没有研判意见")
        if values != {f: known[key][f] for f in values}:
            changed.append((key, values))
    if not changed:
        return 0
    now = datetime.now()
    with writer(db) as con:
        # the tables and views of this code version, also in a warehouse written before them
        build.refresh(con, [])
        for key, v in changed:
            item = known[key]
            con.execute(
                "insert into review_decisions values "
                "(?, ?, ?, (select unit_id from pipeline_projects where project_key = ?), ?, ?, ?, ?, ?, ?)",
                [month, key, item["project_name"], key, item["reason"], v["decision"],
                 v["responsible"] or None, v["due"] or None, now, user],
            )
    accounts.audit(accounts.REVIEW_DECISIONS, user, ip, {
        "month": f"{month:%Y-%m}", "projects": [known[k]["project_name"] for k, _ in changed],
    })
    return len(changed)


def _ranking(by_unit: pl.DataFrame, start_rates: pl.DataFrame) -> pl.DataFrame:
    """Units by signed amount, most first, with 同比 and their start rate."""
    rows = []
    rates = {r["unit_id"]: r["start_rate"] for r in start_rates.iter_rows(named=True)}
    ordered = sorted(by_unit.filter(pl.col("projects") > 0).iter_rows(named=True),
                     key=lambda r: (-r["amount_wan"], -r["projects"]))
    for rank, r in enumerate(ordered, 1):
        rows.append({
            "rank": rank, "unit_name": r["unit_name"], "projects": r["projects"], "amount_yi": yi(r["amount_wan"]),
            "previous_amount_yi": yi(r["previous_amount_wan"]),
            "growth": ratio(r["amount_wan"] - r["previous_amount_wan"], r["previous_amount_wan"]),
            "start_rate": ratio(rates[r["unit_id"]], 1) if rates.get(r["unit_id"]) is not None else None,
        })
    schema = {"rank": pl.Int64, "unit_name": pl.String, "projects": pl.Int64, "amount_yi": pl.Object,
              "previous_amount_yi": pl.Object, "growth": pl.Object, "start_rate": pl.Object}
    return pl.DataFrame(rows, schema=schema)


# ---------------------------------------------------------------- charts


def cjk_font() -> str:
    """The file of a CJK font matplotlib can draw Chinese with; a Chinese refusal without one."""
    from matplotlib import font_manager

    for family in CJK_FAMILIES:
        for font in font_manager.fontManager.ttflist:
            if font.name.startswith(family) and "Bold" not in Path(font.fname).name:
                return font.fname
    raise ReportError(
        "未找到中文字体，图表无法显示中文。请安装 Noto CJK 字体（Debian/Ubuntu：apt-get install fonts-noto-cjk）后重试"
    )


def _figure(width: float = 6.4, height: float = 3.2):
    """A figure of its own (no pyplot: its global state is not for a server's threads)."""
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font = cjk_font()
    font_manager.fontManager.addfont(font)
    matplotlib.rcParams["font.family"] = font_manager.FontProperties(fname=font).get_name()
    matplotlib.rcParams["axes.unicode_minus"] = False
    fig = Figure(figsize=(width, height), dpi=150)
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def charts(pack: Pack) -> list[tuple[str, bytes]]:
    """(caption, PNG) for each chart: signing by month, by unit, by chain; start rate by unit."""
    out = []
    months = pack.by_month.filter(pl.col("month").is_not_null())
    fig, ax = _figure()
    labels = [f"{m}月" for m in months.get_column("month")]
    ax.bar(labels, [float(yi(a)) for a in months.get_column("amount_wan")], color="#3b6fb6")
    ax.set_ylabel("签约金额（亿元）")
    line = ax.twinx()
    line.plot(labels, months.get_column("projects").to_list(), color="#d9822b", marker="o")
    line.set_ylabel("签约项目数（个）")
    out.append((f"图1　{pack.period}各月签约金额与项目数", _png(fig)))

    for number, frame, name, caption in (
        (2, pack.by_unit, "unit_name", "各县（市、区）签约金额"),
        (3, pack.by_chain, "chain", "各产业链签约金额"),
    ):
        shown = frame.filter(pl.col("projects") > 0).sort("amount_wan")
        fig, ax = _figure(height=max(2.4, 0.28 * shown.height + 0.8))
        ax.barh(shown.get_column(name).to_list(), [float(yi(a)) for a in shown.get_column("amount_wan")], color="#3b6fb6")
        ax.set_xlabel("签约金额（亿元）")
        out.append((f"图{number}　{pack.period}{caption}", _png(fig)))

    rates = pack.start_rates.sort("start_rate")
    fig, ax = _figure(height=max(2.4, 0.28 * rates.height + 0.8))
    ax.barh(rates.get_column("unit_name").to_list(), [float(r) * 100 for r in rates.get_column("start_rate")], color="#4f9a5a")
    ax.set_xlabel("签约项目开工率（%）")
    ax.set_xlim(0, 100)
    out.append((f"图4　{pack.period}签约项目开工率（按县区）", _png(fig)))
    return out


# ---------------------------------------------------------------- the document


def _number(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{Decimal(value) * 100:.2f}%"
    if unit == "亿元":
        return f"{Decimal(value):,.2f}"
    return f"{int(value):,}"


def _percent(value) -> str:
    return "—" if value is None else f"{Decimal(value) * 100:+.2f}%"


def _table(document, header: tuple[str, ...] | list[str], rows: list[list[str]]):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
        for run_ in cell.paragraphs[0].runs:
            run_.bold = True
    for values in rows:
        for cell, text in zip(table.add_row().cells, values):
            cell.text = text
    return table


def document(pack: Pack) -> bytes:
    """The .docx of the pack."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    images = charts(pack)
    doc = Document()
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    # Word draws Chinese with the East Asian font of a style, which python-docx does not set
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")

    title = doc.add_heading(f"{pack.city}招商引资项目研判材料（{pack.month.year}年{pack.month.month}月）", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    published = f"{pack.published_through:%Y年%-m月}" if pack.published_through else "尚无已发布月份"
    doc.add_paragraph(f"统计期间：{pack.period}；数据截至 {pack.as_of:%Y年%-m月%-d日}；已发布至 {published}。")

    doc.add_heading("一、主要指标", level=1)
    _table(doc, ("指标", pack.period, "上年同期", "同比", "年度目标", "目标完成率"), [
        [f"{f.label}（{f.unit}）", _number(f.value, f.unit), _number(f.previous, f.unit), _percent(f.growth),
         _number(f.target, f.unit) if f.target is not None else "—", _number(f.completion, "%")]
        for f in pack.figures
    ])
    doc.add_paragraph(METRICS["start_rate"].definition)

    doc.add_heading("二、图表", level=1)
    for caption, png in images:
        doc.add_picture(io.BytesIO(png), width=Cm(16))
        doc.add_paragraph(caption).alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading("三、县（市、区）排名", level=1)
    _table(doc, ("名次", "单位", "签约项目（个）", "签约金额（亿元）", "上年同期（亿元）", "同比", "签约项目开工率"), [
        [str(r["rank"]), r["unit_name"], str(r["projects"]), _number(r["amount_yi"], "亿元"),
         _number(r["previous_amount_yi"], "亿元"), _percent(r["growth"]), _number(r["start_rate"], "%")]
        for r in pack.ranking.iter_rows(named=True)
    ])

    doc.add_heading("四、红色预警项目", level=1)
    if pack.red_warnings.height:
        _table(doc, ("序号", "单位", "项目名称", "所处阶段", "停留天数", "责任单位", "包联领导"), [
            [str(i), r["unit_name"], r["project_name"], r["stage_label"], str(r["days"]),
             r["responsible_unit"] or "—", r["liaison_leader"] or "—"]
            for i, r in enumerate(pack.red_warnings.iter_rows(named=True), 1)
        ])
    else:
        doc.add_paragraph("本月末无红色预警项目。")

    doc.add_heading("五、本月阶段变化项目", level=1)
    if pack.stage_changes.height:
        _table(doc, ("序号", "单位", "项目名称", "原阶段", "本月进入", "日期", "金额（亿元）", "包联领导"), [
            [str(i), r["unit_name"], r["project_name"], r["previous_label"] or "新入库", r["stage_label"],
             f"{r['entered_on']:%Y-%m-%d}",
             _number(yi(r["library_amount_wan"]), "亿元") if r["library_amount_wan"] is not None else "—",
             r["liaison_leader"] or "—"]
            for i, r in enumerate(pack.stage_changes.iter_rows(named=True), 1)
        ])
    else:
        doc.add_paragraph("本月无项目进入新的阶段。")

    previous = periods.months_before(pack.month, 1)
    doc.add_heading(f"六、上次研判意见落实情况（{previous.year}年{previous.month}月）", level=1)
    if pack.followup.height:
        red = set(pack.red_warnings.get_column("project_key").to_list())
        _table(doc, FOLLOWUP_COLUMNS, [
            [str(i), r["unit_name"] or "—", r["project_name"], r["decision"], r["responsible"] or "—", r["due"] or "—",
             r["stage_label"] or "—", "仍为红色预警" if r["project_key"] in red else "已不在红色预警"]
            for i, r in enumerate(pack.followup.iter_rows(named=True), 1)
        ])
    else:
        doc.add_paragraph("上次研判会未录入研判意见。")

    doc.add_heading("七、本次研判意见", level=1)
    doc.add_paragraph("红色预警项目逐一研判，会上填写研判意见、责任单位及责任人和完成时限；会后录入平台（动态与研判页面），下次研判会跟进。")
    _table(doc, DECISION_COLUMNS, [
        [str(i), r["unit_name"], r["project_name"], r["reason"], r["decision"], r["responsible"], r["due"]]
        for i, r in enumerate(pack.review.iter_rows(named=True), 1)
    ] or [["", "", "", "", "", "", ""]])

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- command line


def add_parser(commands) -> None:
    """`python -m warehouse report --month YYYY-MM --out FILE.docx [--db]`."""
    r = commands.add_parser("report", help="月度研判材料（Word 文档）：主要指标及同比、目标进度、图表、排名、红色预警、阶段变化、研判意见表")
    r.add_argument("--db")
    r.add_argument("--month", required=True, help="月份 YYYY-MM")
    r.add_argument("--out", required=True, type=Path, help="输出文件，如 研判材料.docx")


def cli(args) -> int:
    from .db import Reader

    try:
        month = periods.parse_month(args.month)
        if args.out.suffix.lower() != ".docx":
            raise ReportError(f"输出文件应以 .docx 结尾：{args.out}")
        data = document(collect(Reader(args.db).cursor(), month))
        args.out.write_bytes(data)
    except (ReportError, periods.PeriodRefused) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"错误：无法写入 {args.out}：{exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"已生成 {month:%Y年%-m月}研判材料：{args.out}")
    return 0
