"""Command line: `python -m etl load FILE...`, `python -m etl check FILE...` and `python -m etl sample`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .read import KINDS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="招商引资台账导入")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="导入台账文件（每个文件要么全部导入，要么不导入）")
    load.add_argument("--db", help="数据仓库文件（默认 $WAREHOUSE_DB 或 data/warehouse.duckdb）")
    load.add_argument("--kind", choices=KINDS, help="台账类型（默认自动识别）")
    load.add_argument("--user", help="记录为导入人（默认当前系统用户）")
    load.add_argument("files", nargs="+", type=Path)
    check = commands.add_parser("check", help="只检查台账、列出全部问题，不导入（数据仓库不变）")
    check.add_argument("--kind", choices=KINDS, help="台账类型（默认自动识别）")
    check.add_argument("files", nargs="+", type=Path)
    sample = commands.add_parser("sample", help="用 data/sample 中的样例台账重建数据仓库")
    sample.add_argument("--db")
    args = parser.parse_args(argv)

    if args.command == "sample":
        from .sample import build_sample  # the warehouse (duckdb) only where it is written

        results = build_sample(args.db)
        for r in results:
            print(r.summary())
        return 0 if all(r.ok for r in results) else 1
    if args.command == "check":
        return _check(args)
    return _load(args)


def _each_file(paths: list[Path], handle) -> int:
    """handle(path) -> whether it went well, for each file that exists; exit status 1 unless all did."""
    failed = 0
    for path in paths:
        if not path.exists():
            print(f"✗ {path}：文件不存在", file=sys.stderr)
            failed += 1
        else:
            failed += not handle(path)
    return 1 if failed else 0


def _print_problems(problems, errors_only: bool) -> None:
    for problem in problems:
        if problem.level == "error" or not errors_only:
            print("  " + problem.text(), file=sys.stderr if problem.level == "error" else sys.stdout)


def _check(args) -> int:
    """What `load` would say about each file, without opening the warehouse."""
    from .isolate import read_isolated

    def check(path: Path) -> bool:
        try:
            ledger = read_isolated(path.name, path.read_bytes(), kind=args.kind)
        except OSError as exc:
            print(f"✗ {path.name}：无法读取：{exc}", file=sys.stderr)
            return False
        if ledger.ok:
            used = "、".join(s.name for s in ledger.sheets if s.used)
            print(f"✓ {ledger.file_name}：可以导入，{ledger.rows.height} 行，工作表 {used}，警告 {len(ledger.warnings)} 条")
        else:
            print(f"✗ {ledger.file_name}：不能导入，发现 {len(ledger.errors)} 处错误", file=sys.stderr)
        _print_problems(ledger.problems, errors_only=False)
        return ledger.ok

    return _each_file(args.files, check)


def _load(args) -> int:
    import duckdb

    from warehouse.db import WarehouseBusy

    from .load import load_file  # the warehouse import is only needed here

    def load(path: Path) -> bool:
        try:
            result = load_file(path, db=args.db, kind=args.kind, user=args.user)
        except (WarehouseBusy, OSError, duckdb.Error) as exc:
            # The writer publishes nothing on failure: say so instead of a traceback.
            print(f"✗ {path.name}：未导入，数据仓库未改动。原因：{exc}", file=sys.stderr)
            return False
        print(result.summary(), file=sys.stdout if result.ok else sys.stderr)
        # warnings of a file that was not loaded would only distract from its errors
        _print_problems(result.ledger.problems, errors_only=result.status != "loaded")
        return result.ok

    return _each_file(args.files, load)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
