"""Cell text as the reader and the reference data compare it: one normal form for both."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime, time

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
# Full-width punctuation Chinese writers type on purpose; everything else full-width
# (digits, letters, ．，／ etc.) is folded to ASCII by NFKC.
_KEEP_FULL_WIDTH = "（）：；，！？"
_FOLDABLE = re.compile(f"[^{_KEEP_FULL_WIDTH}]+")
_CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")  # ideographs, CJK and kept punctuation
SPACES = re.compile(r"\s+")


def clean_text(value) -> str | None:
    """Any cell value -> display text, or None when blank."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        # repr keeps 12.34 as typed; 2024.0 read from Excel is the integer 2024
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, datetime) and value.time() == time():
        text = value.date().isoformat()
    else:
        text = str(value)
    text = text.translate(ZERO_WIDTH)
    text = _FOLDABLE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return SPACES.sub(_join_words, text).strip() or None


def _join_words(space: re.Match) -> str:
    # Line breaks inside Chinese text are wrapping artefacts; between Latin words a space.
    text, start, end = space.string, space.start(), space.end()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return "" if _CJK.match(before) or _CJK.match(after) else " "


def compact(value) -> str:
    """clean_text without any whitespace, '' when blank: the form used for matching."""
    return SPACES.sub("", clean_text(value) or "")
