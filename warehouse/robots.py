"""Group robots: the daily update pushed by webhook to WeCom (企业微信) and DingTalk (钉钉).

Each robot takes an HTTPS POST of JSON and answers {"errcode": 0, ...} when it took the
message. A message longer than the robot's limit is split into numbered parts; a push
that fails is tried again (bounded, with growing waits), and every push, taken or not,
is written to the audit log, so a lost update is always seen on /audit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote_plus, urlsplit

from .digest import Digest, DigestConfig

log = logging.getLogger(__name__)

# bytes of UTF-8 a message body may hold: WeCom markdown 4096 and text 2048, DingTalk 20000
LIMITS = {("wecom", "markdown"): 4096, ("wecom", "text"): 2048, ("dingtalk", "markdown"): 20000, ("dingtalk", "text"): 20000}
ROBOT_NAMES = {"wecom": "企业微信", "dingtalk": "钉钉"}
TRUNCATED = "…（本行过长，已截断）"
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class PushResult:
    robot: str  # wecom | dingtalk
    parts: int
    sent: int  # parts the robot took
    attempts: int  # requests made, retries included
    error: str  # '' when every part was taken

    @property
    def ok(self) -> bool:
        return not self.error

    def line(self) -> str:
        name = ROBOT_NAMES[self.robot]
        if self.ok:
            return f"已推送到{name}群机器人（{self.parts} 条消息）"
        return f"推送到{name}群机器人失败：已发送 {self.sent}/{self.parts} 条，共尝试 {self.attempts} 次；{self.error}"


def split(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` UTF-8 bytes, cut between lines, each after the first
    marked （续）and all numbered when there are several; a line too long alone is cut short."""
    margin = len("（续）\n\n（第99/99条）".encode())
    room = limit - margin
    parts: list[list[str]] = [[]]
    size = 0
    for line in text.split("\n"):
        if len(line.encode()) > room:
            cut = line.encode()[: room - len(TRUNCATED.encode())].decode(errors="ignore")
            line = cut + TRUNCATED
        length = len(line.encode()) + 1
        if parts[-1] and size + length > room:
            parts.append([])
            size = 0
        parts[-1].append(line)
        size += length
    if len(parts) == 1:
        return ["\n".join(parts[0])]
    return [
        ("（续）\n" if i else "") + "\n".join(lines) + f"\n（第{i + 1}/{len(parts)}条）"
        for i, lines in enumerate(parts)
    ]


def wecom_payloads(digest: Digest, msgtype: str) -> list[dict]:
    body = digest.markdown() if msgtype == "markdown" else digest.text()
    return [{"msgtype": msgtype, msgtype: {"content": part}} for part in split(body, LIMITS["wecom", msgtype])]


def dingtalk_payloads(digest: Digest, msgtype: str) -> list[dict]:
    if msgtype == "text":
        return [{"msgtype": "text", "text": {"content": part}} for part in split(digest.text(), LIMITS["dingtalk", "text"])]
    return [
        {"msgtype": "markdown", "markdown": {"title": digest.title, "text": part}}
        for part in split(digest.markdown(), LIMITS["dingtalk", "markdown"])
    ]


def dingtalk_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    """The webhook with DingTalk's signature: timestamp (ms) and sign = URL-encoded base64 of
    HMAC-SHA256 keyed by the secret over "timestamp\\nsecret"; unsigned without a secret."""
    if not secret:
        return webhook
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode())
    return f"{webhook}{'&' if '?' in webhook else '?'}timestamp={timestamp_ms}&sign={sign}"


def robots(settings: DigestConfig) -> list[str]:
    """The robots configured, in push order."""
    return [name for name, url in (("wecom", settings.wecom_webhook), ("dingtalk", settings.dingtalk_webhook)) if url]


def push(digest: Digest, settings: DigestConfig, *, user: str, sleep: Callable[[float], None] = time.sleep,
         clock: Callable[[], float] = time.time) -> list[PushResult]:
    """Send the update to every configured robot; each outcome is logged and audited."""
    from . import accounts

    results = []
    for robot in robots(settings):
        if robot == "wecom":
            payloads = wecom_payloads(digest, settings.msgtype)
        else:
            payloads = dingtalk_payloads(digest, settings.msgtype)
        result = _send_all(robot, payloads, settings, sleep, clock)
        results.append(result)
        detail = {
            "robot": ROBOT_NAMES[robot], "host": urlsplit(_url(robot, settings, 0)).hostname or "",
            "date": digest.day.isoformat(), "parts": result.parts, "sent": result.sent, "attempts": result.attempts,
        }
        if result.ok:
            log.info("digest %s pushed to %s in %d attempts", digest.day, robot, result.attempts)
            action = accounts.DIGEST_PUSH
        else:
            log.error("digest %s not pushed to %s: %s", digest.day, robot, result.error)
            action, detail = accounts.DIGEST_PUSH_FAILED, {**detail, "error": result.error}
        try:
            accounts.audit(action, user, None, detail)
        except Exception:  # the push stands or failed all the same; the log keeps it
            log.exception("digest push to %s not audited", robot)
    return results


def _url(robot: str, settings: DigestConfig, timestamp_ms: int) -> str:
    if robot == "wecom":
        return settings.wecom_webhook
    return dingtalk_url(settings.dingtalk_webhook, settings.dingtalk_secret, timestamp_ms)


def _send_all(robot: str, payloads: list[dict], settings: DigestConfig, sleep, clock) -> PushResult:
    attempts = sent = 0
    for payload in payloads:
        error = ""
        for attempt in range(settings.attempts):
            if attempt:
                sleep(settings.backoff_seconds * 2 ** (attempt - 1))
            attempts += 1
            # DingTalk refuses a signature older than an hour: each attempt signs anew
            error = _post(_url(robot, settings, int(clock() * 1000)), payload)
            if not error:
                break
            log.warning("digest push to %s, attempt %d: %s", robot, attempt + 1, error)
        if error:
            return PushResult(robot, len(payloads), sent, attempts, error)
        sent += 1
    return PushResult(robot, len(payloads), sent, attempts, "")


def _post(url: str, payload: dict) -> str:
    """'' when the robot took the message, else why not in Chinese."""
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"}, method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        return f"机器人地址返回 HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"无法连接机器人地址（{reason}）"
    try:
        answer = json.loads(body)
    except ValueError:
        return "机器人返回的不是 JSON"
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        code = answer.get("errcode") if isinstance(answer, dict) else None
        message = answer.get("errmsg") if isinstance(answer, dict) else None
        return f"机器人拒收：errcode={code}，errmsg={message}"
    return ""
