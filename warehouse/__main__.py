"""Command line: `python -m warehouse summary --year YYYY [--json]`."""

from __future__ import annotations

import argparse
import json
import sys

from .db import Reader, db_path
from .metrics import METRICS
from .queries import Filters, headline

SUMMARY_KEYS = (
    "signed_projects",
    "signed_amount_yi",
    "started_projects",
    "start_rate",
    "started_planned_investment_yi",
    "funds_in_place_yi",
)


def summary(db: str | None, year: int) -> dict:
    figures = headline(Reader(db).cursor(), Filters(year))
    result = {"year": year}
    for key in SUMMARY_KEYS:
        value = figures[key]
        result[key] = float(value) if value is not None and not isinstance(value, int) else value
    result["as_of"] = figures["as_of"].isoformat() if figures["as_of"] else None
    return result


def _table(result: dict) -> str:
    lines = [f"{result['year']}年签约项目（数据截至 {result['as_of'] or '—'}）"]
    for key in SUMMARY_KEYS:
        metric = METRICS[key]
        value = result[key]
        if value is None:
            shown = "—"
        elif metric.unit == "%":
            shown = f"{value * 100:.2f} %"
        elif metric.unit == "亿元":
            shown = f"{value:,.2f} 亿元"
        else:
            shown = f"{value:,} 个"
        lines.append(f"  {metric.label:<12}{shown:>16}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse", description="招商引资数据仓库")
    commands = parser.add_subparsers(dest="command", required=True)
    s = commands.add_parser("summary", help="某年签约项目的主要指标")
    s.add_argument("--db")
    s.add_argument("--year", type=int, required=True)
    s.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    args = parser.parse_args(argv)

    if not db_path(args.db).exists():
        print(f"数据仓库不存在：{db_path(args.db)}。请先运行 python -m etl sample 或 python -m etl load", file=sys.stderr)
        return 2
    result = summary(args.db, args.year)
    print(json.dumps(result, ensure_ascii=False) if args.json else _table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
