"""Command line: `python -m etl load FILE...`, `python -m etl check FILE...` and `python -m etl sample`."""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from pathlib import Path

from .read import KINDS

log = logging.getLogger("etl")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="招商引资台账导入")
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("--verbose", "-v", action="store_true", help="出错时在标准错误输出中打印详细信息（供管理员排查）")
    verbose.add_argument("--confirm-amounts", action="store_true",
                         help="确认超过单个项目上限（city.toml [plausibility]）的金额无误，按警告处理")
    verbose.add_argument("--map", action="append", type=_mapping, default=[], metavar="表头=字段",
                         help="指定某列表头读作哪个字段，如 --map 约定日期=签约时间（可重复；字段用中文名或英文字段名）")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", parents=[verbose], help="导入台账文件（每个文件要么全部导入，要么不导入）")
    load.add_argument("--db", help="数据仓库文件（默认 $WAREHOUSE_DB 或 data/warehouse.duckdb）")
    load.add_argument("--kind", choices=KINDS, help="台账类型（默认自动识别）")
    load.add_argument("--user", help="记录为导入人（默认当前系统用户）")
    load.add_argument("files", nargs="+", type=Path)
    check = commands.add_parser("check", parents=[verbose], help="只检查台账、列出全部问题，不导入（数据仓库不变）")
    check.add_argument("--kind", choices=KINDS, help="台账类型（默认自动识别）")
    check.add_argument("files", nargs="+", type=Path)
    sample = commands.add_parser("sample", help="用 data/sample 中的样例台账重建数据仓库")
    sample.add_argument("--db")
    args = parser.parse_args(argv)
    _configure_logging(getattr(args, "verbose", False))

    if args.command == "sample":
        from .sample import build_sample  # the warehouse (duckdb) only where it is written

        results = build_sample(args.db)
        for r in results:
            print(r.summary())
        return 0 if all(r.ok for r in results) else 1
    if args.command == "check":
        return _check(args)
    return _load(args)


def _mapping(text: str) -> tuple[str, str]:
    """One --map "表头=字段": the header as written in the file, the field by its label or name."""
    from .fields import LABELS
    from .header import field_named

    header, sep, name = text.partition("=")
    if not sep or not header.strip() or not name.strip():
        raise argparse.ArgumentTypeError(f"“{text}”应写成 表头=字段，如 约定日期=签约时间")
    fld = field_named(name.strip())
    if fld is None:
        raise argparse.ArgumentTypeError(
            f"不认识字段“{name.strip()}”；可用：{'、'.join(LABELS.values())}，或英文字段名如 signed_date"
        )
    return header.strip(), fld


def _configure_logging(verbose: bool) -> None:
    """Details (tracebacks) for the admin on stderr with --verbose; otherwise none at all."""
    root = logging.getLogger()
    if verbose:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    elif not root.handlers:
        # without a handler, logging's last resort would print warnings and tracebacks
        root.addHandler(logging.NullHandler())


def _each_file(paths: list[Path], handle, failure: str) -> int:
    """handle(path) -> whether it went well, for each file that exists; exit status 1 unless all did.

    An exception of one file is reported in one line and the next file is still handled.
    """
    failed = 0
    for path in paths:
        if not path.exists():
            print(f"✗ {path}：文件不存在", file=sys.stderr)
            failed += 1
            continue
        try:
            failed += not handle(path)
        except Exception:
            log.exception("%s failed on %s", failure, path)
            print(f"✗ {path.name}：{failure}（原因：发生意外错误，请把此文件发给管理员；加 --verbose 可查看详细信息）", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def _print_problems(problems, errors_only: bool) -> None:
    from .header import ColumnGuess

    for problem in problems:
        if isinstance(problem, ColumnGuess):
            problem = problem.for_cli()  # the proposal as the option that confirms it
        if problem.level == "error" or not errors_only:
            print("  " + problem.text(), file=sys.stderr if problem.level == "error" else sys.stdout)


def _check(args) -> int:
    """What `load` would say about each file, without opening the warehouse."""
    from .isolate import read_isolated

    def check(path: Path) -> bool:
        try:
            data = path.read_bytes()
        except OSError:
            print(f"✗ {path.name}：无法读取文件（没有读取权限、文件被占用或磁盘出错）", file=sys.stderr)
            return False
        # in a worker process: a file that exhausts memory or time ends the worker, not this command
        ledger = read_isolated(path.name, data, kind=args.kind, confirm_amounts=args.confirm_amounts,
                               mapping=dict(args.map) or None)
        if ledger.ok:
            used = "、".join(s.name for s in ledger.sheets if s.used)
            print(f"✓ {ledger.file_name}：可以导入，{ledger.rows.height} 行，工作表 {used}，警告 {len(ledger.warnings)} 条")
        else:
            print(f"✗ {ledger.file_name}：不能导入，发现 {len(ledger.errors)} 处错误", file=sys.stderr)
        _print_problems(ledger.problems, errors_only=False)
        return ledger.ok

    return _each_file(args.files, check, "检查失败")


def _load(args) -> int:
    import duckdb

    from warehouse.db import WarehouseBusy

    from .load import load_file  # the warehouse import is only needed here

    def load(path: Path) -> bool:
        try:
            result = load_file(path, db=args.db, kind=args.kind, user=args.user, confirm_amounts=args.confirm_amounts,
                               mapping=dict(args.map) or None)
        except (WarehouseBusy, OSError, duckdb.Error) as exc:
            # The writer publishes nothing on failure: say so instead of a traceback.
            log.warning("loading %s failed", path, exc_info=True)
            print(f"✗ {path.name}：未导入，数据仓库未改动。原因：{_warehouse_cause(exc)}", file=sys.stderr)
            return False
        print(result.summary(), file=sys.stdout if result.ok else sys.stderr)
        # warnings of a file that was not loaded would only distract from its errors
        _print_problems(result.ledger.problems, errors_only=result.status != "loaded")
        return result.ok

    return _each_file(args.files, load, "导入失败")


def _warehouse_cause(exc: Exception) -> str:
    """The Chinese cause of a failed write; duckdb and the OS only say it in English."""
    from warehouse.db import WarehouseBusy, WriteFailed

    if isinstance(exc, (WarehouseBusy, WriteFailed)):  # the writer says it in Chinese already
        return str(exc)
    text = str(exc)
    if getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in text:
        return "磁盘空间已满，请清理磁盘后重试"
    if getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS) or "Permission denied" in text:
        return "没有写入数据仓库文件的权限，请联系管理员"
    if "not a valid DuckDB database" in text or "corrupt" in text.lower():
        return "数据仓库文件已损坏或不是数据仓库文件，请联系管理员"
    return "无法读写数据仓库文件（可能磁盘已满、没有权限或文件被占用），请联系管理员；加 --verbose 可查看详细信息"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
