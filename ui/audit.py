"""The audit log as the 操作审计 page shows it (entries: warehouse/accounts.py)."""

from __future__ import annotations

import json

import polars as pl

from warehouse import accounts

ACTION_LABELS = {
    accounts.LOGIN: "登录",
    accounts.LOGIN_FAILED: "登录失败",
    accounts.LOGIN_BLOCKED: "登录被限制",
    accounts.LOGOUT: "退出登录",
    accounts.SESSION_EXPIRED: "登录超时",
    accounts.UPLOAD: "导入",
    accounts.UPLOAD_FAILED: "导入未成功",
    accounts.ROLLBACK: "撤销导入",
    accounts.ROLLBACK_FAILED: "撤销未成功",
    accounts.NIL_REPORT: "报送本月无新增",
    accounts.PERIOD_CLOSE: "发布月份",
    accounts.PERIOD_REOPEN: "撤回月份发布",
    accounts.DIGEST_PUSH: "推送每日动态",
    accounts.DIGEST_PUSH_FAILED: "每日动态推送失败",
    accounts.REVIEW_DECISIONS: "录入研判意见",
    accounts.ENTRY: "在线录入",
    accounts.LEAD_OFFER: "提出项目流转",
    accounts.LEAD_WITHDRAW: "撤回项目流转",
    accounts.LEAD_ASSIGN: "指派流转项目",
    accounts.EXPORT: "导出",
    accounts.USER_ADD: "新建账号",
    accounts.USER_PASSWD: "修改密码",
    accounts.USER_DISABLE: "停用账号",
    accounts.USER_ENABLE: "启用账号",
}
COLUMNS = ("时间", "用户", "地址", "操作", "详情")


def detail_text(detail: str | None) -> str:
    """A JSON detail as one readable line (key：value；…); other text as it is."""
    if not detail:
        return ""
    try:
        value = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(value, dict):
        return detail
    return "；".join(f"{k}：{json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v}" for k, v in value.items() if v is not None)


def audit_frame(entries: list[accounts.AuditEntry]) -> pl.DataFrame:
    """Entries under Chinese headers, newest first; local time without the offset."""
    return pl.DataFrame(
        {
            "时间": [e.ts.replace(tzinfo=None) for e in entries],
            "用户": [e.user or "" for e in entries],
            "地址": [e.ip or "本机" for e in entries],
            "操作": [ACTION_LABELS.get(e.action, e.action) for e in entries],
            "详情": [detail_text(e.detail) for e in entries],
        },
        schema={"时间": pl.Datetime, "用户": pl.String, "地址": pl.String, "操作": pl.String, "详情": pl.String},
    )
