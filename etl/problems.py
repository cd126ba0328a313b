"""Problems found in a ledger, each pointing at the cell a person must fix."""

from __future__ import annotations

from dataclasses import dataclass

LEVEL_NAMES = {"error": "错误", "warning": "警告", "note": "说明"}
# A whole paragraph or a 400-digit number pasted into a cell is quoted by its start:
# the person finds the cell by its reference, and a report must stay readable.
MAX_VALUE_CHARS = 80
QUOTED_CHARS = 40


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (as Excel shows columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    level: str  # error | warning | note
    message: str
    file: str
    sheet: str | None = None
    row: int | None = None  # Excel row number, as Excel shows it
    column: str | None = None  # column letter
    header: str | None = None
    value: str | None = None

    def __post_init__(self):
        if self.value is not None and len(self.value) > MAX_VALUE_CHARS:
            object.__setattr__(self, "value", f"{self.value[:QUOTED_CHARS]}…（共 {len(self.value)} 个字符）")

    @property
    def cell(self) -> str | None:
        """The cell reference staff can type into Excel's name box, e.g. `1-3月!F19`."""
        if self.row is None:
            return None
        ref = f"{self.column or ''}{self.row}"
        return f"{self.sheet}!{ref}" if self.sheet else ref

    def text(self) -> str:
        where = [f"文件「{self.file}」"]
        if self.sheet:
            where.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"{self.column}列" + (f"「{self.header}」" if self.header else ""))
        elif self.header:
            where.append(f"「{self.header}」列")
        if self.value is not None:
            where.append(f"值「{self.value}」")
        return f"[{LEVEL_NAMES.get(self.level, self.level)}] {' '.join(where)}：{self.message}"


@dataclass(frozen=True)
class AmountProblem(Problem):
    """An amount no project of its unit can plausibly have (a 万元 typed under a 亿元 header):
    an error until the uploader confirms it, then a warning saying so."""

    CONFIRMED = "已由上传人确认无误"
    ASK = "是否把万元填成了亿元？请核对金额和表头中的单位；确属无误的，请在预览中确认后导入"

    @classmethod
    def found(cls, confirmed: bool, why: str, *where) -> "AmountProblem":
        """`why` the amount is implausible, as an error asking, or a warning once confirmed."""
        if confirmed:
            return cls("warning", f"{why}，{cls.CONFIRMED}", *where)
        return cls("error", f"{why}，{cls.ASK}", *where)
