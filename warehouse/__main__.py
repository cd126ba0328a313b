"""Command line: `python -m warehouse summary --year YYYY [--json]` and `python -m warehouse users ...`."""

from __future__ import annotations

import argparse
import json
import sys

from . import bulletins
from .db import Reader, db_path
from .metrics import HEADLINE, METRICS
from .queries import Filters, headline


def summary(db: str | None, year: int) -> dict:
    figures = headline(Reader(db).cursor(), Filters(year))
    result = {"year": year}
    for key in HEADLINE:
        value = figures[key]
        result[key] = float(value) if value is not None and not isinstance(value, int) else value
    result["as_of"] = figures["as_of"].isoformat() if figures["as_of"] else None
    return result


def _table(result: dict) -> str:
    lines = [f"{result['year']}年签约项目（数据截至 {result['as_of'] or '—'}）"]
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
    _add_users_parser(commands)
    bulletins.add_parser(commands)
    args = parser.parse_args(argv)

    if args.command == "users":
        return _users(args)
    if not db_path(args.db).exists():
        print(f"数据仓库不存在：{db_path(args.db)}。请先运行 python -m etl sample 或 python -m etl load", file=sys.stderr)
        return 2
    if args.command == "bulletin":
        return bulletins.cli(args)
    result = summary(args.db, args.year)
    print(json.dumps(result, ensure_ascii=False) if args.json else _table(result))
    return 0


# ---------------------------------------------------------------- users


def _add_users_parser(commands) -> None:
    users = commands.add_parser("users", help="管理账号（账号库：$ACCOUNTS_DB 或 data/accounts.sqlite）")
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
            user = accounts.add_user(args.name, role, _read_password(), args.unit, actor=_actor())
            units = "、".join(accounts.unit_names(user.units))
            print(f"已创建账号「{user.name}」（{user.role_label}{'，' + units if units else ''}）")
        elif args.users_command == "list":
            users = accounts.list_users()
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
            accounts.disable_user(args.name, actor=_actor())
            print(f"已停用账号「{args.name.strip()}」")
        elif args.users_command == "enable":
            accounts.enable_user(args.name, actor=_actor())
            print(f"已启用账号「{args.name.strip()}」")
        elif args.users_command == "passwd":
            if accounts.get_user(args.name) is None:
                raise accounts.AccountError(f"用户「{args.name.strip()}」不存在")
            accounts.set_password(args.name, _read_password(), actor=_actor())
            print(f"已更新「{args.name.strip()}」的密码")
        return 0
    except (accounts.AccountError, _CliError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
    except Exception as exc:  # sqlite errors, unreadable reference files, ...
        print(f"错误：账号库操作失败（{accounts.accounts_path()}）：{type(exc).__name__}: {exc}", file=sys.stderr)
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


if __name__ == "__main__":
    sys.exit(main())
