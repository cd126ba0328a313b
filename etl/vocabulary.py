"""Ledger header vocabulary beyond headers.csv.

Clerks add, drop and swap words that do not change what a column holds: 「所在县区」,
「项目所属区县」, 「合同签订时间」, 「协议金额（万元）」, 「产业链名称」. `vocabulary_key` reduces
a header to the words that matter, so that a header and a listed synonym with the same key
hold the same field. A match by key is a medium-confidence mapping: the exact synonym
stays the strong one.
"""

from __future__ import annotations

import re
import unicodedata

# units inside a header (「（万元）」, 「单位：元」) say nothing of the field; a bare 「/元」 tail
# stays, since the money unit is only read from brackets (parse.detect_money_unit)
UNIT_PARENS = re.compile(r"[(\[【][^)\]】]*元[^)\]】]*[)\]】]|单位[:：]?[万亿]?(?:美)?元")
ALL_PARENS = re.compile(r"[(\[【][^)\]】]*[)\]】]")


def header_key(text: str) -> str:
    """A header as compared: NFKC (full-width forms), no white space anywhere."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


_PUNCTUATION = re.compile(r"[()\[\]【】、,，/／·.。:：\-_—]")
# 签订, 协议, 合同 all say the signing; 协议签订 is one signing, not two
_SIGNING = re.compile(r"(?:签订|协议|合同|签约|签署)+")
# 县区, 区县, 县市区, 市县区, 县（市、区）: the county-level place whatever the order
_COUNTY = re.compile(r"[县市区]{2,}")
# words around the meaning; stripped only while two characters stay (所在地 keeps 所在)
_PREFIXES = ("所属", "所在", "项目")
_SUFFIXES = ("名称", "情况")


def _reduce(text: str) -> str:
    text = text.replace("日期", "时间")
    text = _SIGNING.sub("签约", text)
    text = _COUNTY.sub("县区", text)
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix) and len(text) - len(prefix) >= 2:
                text, changed = text[len(prefix):], True
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) - len(suffix) >= 2:
                text, changed = text[: -len(suffix)], True
    return text


def vocabulary_keys(text: str | None) -> list[str]:
    """The reduced forms of a header: bracket contents kept (县（市、区）) and dropped."""
    if not text:
        return []
    key = header_key(text)
    key = UNIT_PARENS.sub("", key)
    forms = [_PUNCTUATION.sub("", key), _PUNCTUATION.sub("", ALL_PARENS.sub("", key))]
    return list(dict.fromkeys(k for k in (_reduce(f) for f in forms if f) if k))


def vocabulary_index(header_synonyms: dict[str, tuple[str, ...]]) -> dict[str, list[tuple[str, int]]]:
    """Reduced key -> [(field, rank)], best first; more than one field: the key is ambiguous."""
    index: dict[str, dict[str, tuple[bool, int]]] = {}
    for fld, synonyms in header_synonyms.items():
        for rank, synonym in enumerate(synonyms):
            plain = header_key(synonym)
            for key in vocabulary_keys(synonym):
                # a synonym that is its own key (总投资) outranks one reduced to it (项目总投资)
                order = (key != plain, rank)
                if order < index.setdefault(key, {}).get(fld, (True, 1 << 30)):
                    index[key][fld] = order
    return {key: [(f, o[1]) for f, o in sorted(fields.items(), key=lambda kv: kv[1])] for key, fields in index.items()}


# What a header must say to be worth proposing for a required field nobody named: the
# kind of value it holds. Only proposed, never read, until the uploader confirms.
GUESS_WORDS = {
    "signed_date": (r"时间|日期|年月", r"签|约|协议|合同"),
    "start_date": (r"时间|日期|年月", r"开工|动工|开建|建设"),
    "signed_amount": (r"金额|投资|额|万元|亿元", r"签|约|协议|合同"),
    "unit": (r"县|区|地|单位|属地", r"县|区"),
    "project_name": (r"名称|项目|名字", r"项目"),
}
# words that name a different figure or date: never proposed in place of these
GUESS_NEVER = {
    "signed_amount": r"引资|到位|计划|拟|意向",
    "signed_date": r"开工|投产|录入|洽谈|计划|填报",
    "start_date": r"签|投产|录入|洽谈|计划|填报",
    "unit": r"责任|牵头|对接|投资方|来源",
}


def guess_score(field: str, text: str) -> int:
    """0: not a plausible header for the field; 1: the right kind of value; 2: and a hint of the field."""
    if field not in GUESS_WORDS:
        return 0
    kind, hint = GUESS_WORDS[field]
    if not re.search(kind, text) or (field in GUESS_NEVER and re.search(GUESS_NEVER[field], text)):
        return 0
    return 2 if re.search(hint, text) else 1
