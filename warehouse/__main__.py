"""Command line: `python -m warehouse summary --year YYYY [--json]`, `users ...`, `bulletin`,
and an administrator's `check`, `rollback LOAD_ID` and `rebuild --from-archive`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

from base import config
from base.actor import current_user

from . import build, bulletins, digest, notices, periods, report, robots
from .db import Lake, LakeMisconfigured, NoHistory, compact, Reader, WarehouseBusy, WriteFailed, db_path, is_damage
from .metrics import HEADLINE, METRICS
from .queries import Filters, headline


def summary(db: str | None, year: int, include_open: bool = False, at: datetime | None = None) -> dict:
    """The headline figures of a year at the published period (with include_open: of
    everything loaded, open months too), and the month they are published through; with
    `at`, as they stood at that time (a DuckLake warehouse only)."""
    with Reader(db, at=at).cursor() as cur:
        published = periods.state(cur).published_through
        figures = headline(cur, Filters(year, include_open=include_open))
    result = {"year": year}
    for key in HEADLINE:
        value = figures[key]
        result[key] = float(value) if value is not None and not isinstance(value, int) else value
    result["as_of"] = figures["as_of"].isoformat() if figures["as_of"] else None
    result["published_through"] = f"{published:%Y-%m}" if published else None
    return result


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"无法识别的时刻：{text}（应为 2026-11-30 或 2026-11-30 18:00）") from None


def _table(result: dict) -> str:
    published = result["published_through"]
    lines = [f"{result['year']}年签约项目（数据截至 {result['as_of'] or '—'}；已发布至 {published or '—'}）"]
    for key in HEADLINE:
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
    s.add_argument("--include-open", action="store_true", help="把尚未发布（未完结）月份的台账也计入")
    s.add_argument("--at", type=_moment, help="某一时刻的数据，如 2026-11-30 或 '2026-11-30 18:00'（仅 DuckLake 数据仓库）")
    _add_users_parser(commands)
    _bulletin_parser(commands)
    periods.add_parser(commands)
    _digest_parser(commands)
    report.add_parser(commands)
    _add_repair_parsers(commands)
    args = parser.parse_args(argv)

    if args.command == "users":
        return _users(args)
    if args.command == "rebuild":
        return _rebuild(args)
    if not db_path(args.db).exists():
        print(f"数据仓库不存在：{db_path(args.db)}。请先运行 python -m etl sample 或 python -m etl load", file=sys.stderr)
        return 2
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "compact":
            return _compact(db_path(args.db))
        if args.command == "rollback":
            return _rollback(args)
        if args.command == "bulletin":
            return _bulletin(args)
        # a warehouse written by older code gets this code's tables and views first, as the app does
        build.ensure_current(db_path(args.db))
        if args.command == "period":
            return periods.cli(args, _actor())
        if args.command == "digest":
            return _digest(args, _actor())
        if args.command == "report":
            return report.cli(args)
        result = summary(args.db, args.year, args.include_open, args.at)
    except NoHistory as refused:
        print(f"错误：{refused}", file=sys.stderr)
        return 2
    except FileNotFoundError:
        if args.at is None:
            raise
        # a lake asked of a time before its first load
        print(f"错误：{args.at:%Y-%m-%d %H:%M} 时数据仓库还没有数据", file=sys.stderr)
        return 2
    except (WarehouseBusy, WriteFailed) as failed:  # a full disk, another writer: nothing changed
        print(f"错误：{failed}", file=sys.stderr)
        return 1
    except Exception as exc:
        if not is_damage(exc):
            raise
        print(_damaged(db_path(args.db), exc), file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False) if args.json else _table(result))
    return 0


# ---------------------------------------------------------------- check, rollback, rebuild


def _add_repair_parsers(commands) -> None:
    check = commands.add_parser("check", help="检查数据仓库：能否完整读取、版本、归档的原始文件、派生表")
    check.add_argument("--db", help="数据仓库文件（默认 $WAREHOUSE_DB 或 data/warehouse.duckdb）")
    rollback = commands.add_parser("rollback", help="撤销一次导入（与「数据管理」页面的撤销相同）")
    rollback.add_argument("load_id", type=int, help="导入编号（「数据管理」导入记录中的编号）")
    rollback.add_argument("--db", help="数据仓库文件")
    rollback.add_argument("--user", help="记录为撤销人（默认当前系统用户）")
    rollback.add_argument("--note", help="撤销原因")
    rebuild = commands.add_parser("rebuild", help="按归档的原始文件依次重放全部有效导入，生成一个新的数据仓库")
    rebuild.add_argument("--from-archive", action="store_true", required=True, help="从 <数据仓库>.archive/ 中的原始文件重建")
    rebuild.add_argument("--db", help="源数据仓库（读取其导入记录和归档；默认 $WAREHOUSE_DB 或 data/warehouse.duckdb）")
    rebuild.add_argument("--out", required=True, help="新数据仓库文件（不得已存在），或新的 ducklake:postgres:<连接串>（迁往多台服务器）")
    compact = commands.add_parser("compact", help="整理 DuckLake 数据仓库的小文件（建议每晚一次；保留全部历史快照）")
    compact.add_argument("--db", help="数据仓库（默认 $WAREHOUSE_DB）")
    for sub in (check, rollback, rebuild, compact):
        sub.error = _usage_error(sub)


def _compact(where) -> int:
    if not isinstance(where, Lake):
        print("单机数据仓库文件无需整理（每次写入后已整体写好）")
        return 0
    before, after = compact(where)
    # small loads first live as rows in the catalog (inlined): gathering them adds files
    print(f"已整理 {where}：数据文件 {before} 个 → {after} 个；历史快照全部保留")
    return 0


def _damaged(path, exc: BaseException) -> str:
    return (
        f"数据仓库文件已损坏或无法读取（{path}）。请运行 python -m warehouse check --db {path} 查看详情，"
        f"或从归档重建：python -m warehouse rebuild --from-archive --db {path} --out 新文件.duckdb\n"
        f"详情：{exc.__cause__ or exc}"
    )


def _check(args) -> int:
    from .repair import check

    path = db_path(args.db)
    findings = check(path)
    print(f"检查数据仓库：{path}")
    for finding in findings:
        print("  " + finding.line())
    errors = sum(f.level == "error" for f in findings)
    if not errors:
        print("未发现问题")
        return 0
    print(
        f"发现 {errors} 个问题。可从归档重建一个新的数据仓库，核对后替换：\n"
        f"  python -m warehouse rebuild --from-archive --db {path} --out 新文件.duckdb"
    )
    return 1


def _rollback(args) -> int:
    from . import accounts
    from .history import RollbackRefused, rollback

    path = db_path(args.db)
    user = args.user or current_user()
    try:
        file_name = rollback(path, args.load_id, user, args.note)
    except RollbackRefused as refused:
        print(f"未撤销：{refused}", file=sys.stderr)
        return 1
    try:
        accounts.store().audit(accounts.ROLLBACK, user, None, {"load_id": args.load_id, "file": file_name, "note": args.note, "via": "命令行"})
    except Exception as exc:  # the rollback stands; only its audit entry is missing
        print(f"注意：已撤销，但未能写入审计日志（{accounts.location_text()}）：{exc}", file=sys.stderr)
    print(f"已撤销第 {args.load_id} 次导入（{file_name}），各项指标已重新计算。撤销人：{user}")
    return 0


def _rebuild(args) -> int:
    from etl.rebuild import rebuild

    from .repair import RebuildRefused

    source, out = db_path(args.db), db_path(args.out)
    if isinstance(source, Lake):
        print("未重建：源须是单机数据仓库文件（DuckLake 数据仓库自带历史快照，无需重放）", file=sys.stderr)
        return 1
    print(f"从 {source} 的归档重建到 {out}")
    try:
        replayed = rebuild(source, out)
    except (RebuildRefused, LakeMisconfigured) as refused:
        print(f"未重建：{refused}", file=sys.stderr)
        return 1
    except (WarehouseBusy, WriteFailed) as failed:
        print(f"未重建：{failed}", file=sys.stderr)
        return 1
    for r in replayed:
        print("  " + r.text, file=sys.stdout if r.ok else sys.stderr)
    failed = [r for r in replayed if not r.ok]
    print(
        f"已生成 {out}：重放 {len(replayed) - len(failed)} 次导入"
        + (f"，{len(failed)} 次未能重放（见上）" if failed else "")
        + f"。核对无误后，可停止服务、替换 {source} 及其归档目录。"
    )
    return 1 if failed else 0


# ---------------------------------------------------------------- users


def _add_users_parser(commands) -> None:
    users = commands.add_parser(
        "users",
        help="管理账号（账号库：$ACCOUNTS_DB，文件路径或 postgres:连接串；未设置时为 data/accounts.sqlite，"
        "仓库为 ducklake:postgres: 时为其 PostgreSQL 库）",
    )
    actions = users.add_subparsers(dest="users_command", required=True, metavar="{add,list,disable,enable,passwd}")
    add = actions.add_parser("add", help="新建账号，密码从标准输入读取（一行）")
    add.add_argument("name", help="用户名")
    add.add_argument("--role", required=True, help="viewer（查看者）| uploader（上传员）| admin（管理员）")
    add.add_argument("--unit", action="append", default=[], help="上传员负责的填报单位（名称、简称或代码，可重复）")
    listing = actions.add_parser("list", help="列出账号")
    listing.add_argument("--json", action="store_true", help="输出 JSON")
    disable = actions.add_parser("disable", help="停用账号")
    disable.add_argument("name")
    enable = actions.add_parser("enable", help="重新启用账号")
    enable.add_argument("name")
    passwd = actions.add_parser("passwd", help="重设密码，新密码从标准输入读取（一行）")
    passwd.add_argument("name")
    for parser in (users, add, listing, disable, enable, passwd):
        parser.error = _usage_error(parser)


def _usage_error(parser: argparse.ArgumentParser):
    def error(message: str):
        parser.print_usage(sys.stderr)
        print(f"参数错误：{message}", file=sys.stderr)
        sys.exit(1)

    return error


def _read_password() -> str:
    """One line from stdin; at a terminal, asked twice without echo."""
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        first = getpass.getpass("密码：")
        if first != getpass.getpass("再次输入密码："):
            raise _CliError("两次输入的密码不一致")
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise _CliError("未从标准输入读到密码（例如：echo '新密码' | python -m warehouse users passwd 用户名）")
    return line.rstrip("\r\n")


class _CliError(Exception):
    pass


def _actor() -> str:
    import getpass

    try:
        return f"命令行:{getpass.getuser()}"
    except Exception:
        return "命令行"


def _users(args) -> int:
    from . import accounts

    try:
        if args.users_command == "add":
            # Name, role and units are checked before the password is asked for.
            accounts.clean_name(args.name)
            role = accounts.check_role(args.role)
            accounts.resolve_units(args.unit)
            user = accounts.store().add_user(args.name, role, _read_password(), args.unit, actor=_actor())
            units = "、".join(accounts.unit_names(user.units))
            print(f"已创建账号「{user.name}」（{user.role_label}{'，' + units if units else ''}）")
        elif args.users_command == "list":
            users = accounts.store().list_users()
            if args.json:
                print(json.dumps(
                    [{"name": u.name, "role": u.role, "units": list(u.units), "disabled": u.disabled} for u in users],
                    ensure_ascii=False,
                ))
            elif not users:
                print("尚无账号。创建第一个管理员：python -m warehouse users add 管理员 --role admin")
            else:
                print(_users_table(users))
        elif args.users_command == "disable":
            accounts.store().disable_user(args.name, actor=_actor())
            print(f"已停用账号「{args.name.strip()}」")
        elif args.users_command == "enable":
            accounts.store().enable_user(args.name, actor=_actor())
            print(f"已启用账号「{args.name.strip()}」")
        elif args.users_command == "passwd":
            if accounts.store().get_user(args.name) is None:
                raise accounts.AccountError(f"用户「{args.name.strip()}」不存在")
            accounts.store().set_password(args.name, _read_password(), actor=_actor())
            print(f"已更新「{args.name.strip()}」的密码")
        return 0
    except (accounts.AccountError, accounts.AccountsUnavailable, _CliError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
    except Exception as exc:  # database errors, unreadable reference files, ...
        print(f"错误：账号库操作失败（{accounts.location_text()}）：{type(exc).__name__}: {exc}", file=sys.stderr)
    return 1


def _users_table(users) -> str:
    from . import accounts

    rows = [("用户名", "角色", "填报单位", "状态")]
    for u in users:
        units = "、".join(accounts.unit_names(u.units)) or "—"
        rows.append((u.name, f"{u.role_label}({u.role})", units, "已停用" if u.disabled else "启用"))
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip() for row in rows
    )


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# ---------------------------------------------------------------- bulletin, digest


def _bulletin_parser(commands) -> None:
    """`python -m warehouse bulletin [--db] [--as-of DATE] [--excel DIR] [--json]`."""
    b = commands.add_parser("bulletin", help="生成下一期四库滚动预警通报（第N期），默认截至数据截至日期")
    b.add_argument("--db")
    b.add_argument("--as-of", type=_date, help="通报日期 YYYY-MM-DD（天数算到这一天；默认：数据截至日期）")
    b.add_argument("--excel", metavar="DIR", type=Path, help="同时把各县（市、区）的 Excel 预警通报写到该目录")
    b.add_argument("--json", action="store_true", help="输出一个 JSON 对象")


def _bulletin(args) -> int:
    try:
        bulletin = bulletins.create_bulletin(args.db, args.as_of, by=f"命令行:{current_user()}")
    except bulletins.BulletinError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    paths = notices.write_notices(args.db, bulletin.number, args.excel) if args.excel else []
    if args.json:
        result = {**asdict(bulletin), "as_of": bulletin.as_of.isoformat(), "files": [str(p) for p in paths]}
        print(json.dumps(result, ensure_ascii=False))
        return 0
    compared = (
        f"较上期新增 {bulletin.new} 个、持续 {bulletin.persisting} 个、已解除 {bulletin.resolved} 个"
        if bulletin.number > 1 else "首期，没有上期可比较"
    )
    print(
        f"已生成第{bulletin.number}期四库滚动预警通报（截至 {bulletin.as_of}）：红色 {bulletin.red} 个，"
        f"黄色 {bulletin.yellow} 个；{compared}"
    )
    for path in paths:
        print(f"  {path}")
    return 0


def _digest_parser(commands) -> None:
    """`python -m warehouse digest [--db] [--date YYYY-MM-DD] [--push]`."""
    d = commands.add_parser("digest", help="每日项目动态：某日新增线索、洽谈、签约、开工，收到的台账，报送和预警变化")
    d.add_argument("--db")
    d.add_argument("--date", type=_date, help="日期 YYYY-MM-DD（默认今天）")
    d.add_argument("--push", action="store_true", help="同时推送到 city.toml [digest] 或环境变量配置的企业微信、钉钉群机器人")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD，收到 {text!r}") from None


def _digest(args, actor: str) -> int:
    try:
        settings = config.digest()
    except ValueError as exc:  # a TOML syntax error is one too
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    update = digest.compose(Reader(args.db).cursor(), args.date or date.today(), settings)
    print(update.text())
    if not args.push:
        return 0
    if not robots.robots(settings):
        print(
            "错误：未配置群机器人。请在环境变量 DIGEST_WECOM_WEBHOOK、DIGEST_DINGTALK_WEBHOOK"
            "（加签时另设 DIGEST_DINGTALK_SECRET）或 city.toml 的 [digest] 中填写推送地址",
            file=sys.stderr,
        )
        return 1
    results = robots.push(update, settings, user=actor)
    for result in results:
        print(result.line(), file=sys.stdout if result.ok else sys.stderr)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
