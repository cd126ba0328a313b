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


class Findings:
    """The problems of one file in the order they were found. Warnings that repeat down a
    column are held back and reported once, at their first cell, when the file is done."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self._aggregated: dict[tuple, list] = {}

    def add(self, level, message, sheet=None, row=None, column=None, header=None, value=None) -> None:
        self.problems.append(Problem(level, message, self.file, sheet, row, column, header, value))

    def append(self, problem: Problem) -> None:
        self.problems.append(problem)

    def has_errors(self) -> bool:
        return any(p.level == "error" for p in self.problems)

    def warn_once(self, message, sheet, row, column=None, header=None, value=None, count=1) -> None:
        """Warnings repeat down a column; report each once, at its first cell, with a count."""
        key = (message, sheet, column)
        if key in self._aggregated:
            self._aggregated[key][1] += count
            return
        self._aggregated[key] = [Problem("warning", message, self.file, sheet, row, column, header, value), count]

    def flush_warnings(self) -> None:
        for problem, count in self._aggregated.values():
            if count > 1:
                problem = Problem(
                    problem.level, f"{problem.message}（同类共 {count} 行，首次见此行）", problem.file,
                    problem.sheet, problem.row, problem.column, problem.header, problem.value,
                )
            self.problems.append(problem)
