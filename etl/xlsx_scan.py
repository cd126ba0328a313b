"""Measure an .xlsx before calamine opens it: real inflated size and real sheet extents.

calamine trusts the zip's declared sizes and builds each sheet as one dense grid from
its first to its farthest cell, so a 2 MB zip that lies about its sizes inflates to GBs
and a 4.7 KB sheet with one cell at XFD1048576 asks for 512 GiB and aborts the process.
One streaming pass inflates every member itself (counting the bytes that really come
out) and, in worksheets, looks only for cell references past the extent seen so far.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator

import polars as pl

from .problems import column_letter

# 20M cells is a full-height ledger (MAX_ROWS, 1M rows) 20 columns wide. calamine holds
# 32 bytes a cell (a sheet with values at A1 and XFD200, 3.3M cells, peaked 105 MB above
# an empty one), so 20M cells is about 640 MB. The 200,000-row benchmark ledger is
# 200,007 x 14 = 2.8M cells; a sheet past 20M is a stray cell, not a ledger.
MAX_GRID_CELLS = 20_000_000

CHUNK = 4 * 1024 * 1024  # inflated bytes handed out at a time
FEED = 1024 * 1024  # compressed bytes fed to zlib at a time
TAIL = 1024  # bytes kept across chunks so a reference and its tag are seen whole
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
REF = re.compile(rb' r="([A-Z]*)([0-9]*)"')


class ZipRefused(Exception):
    """str(e) is the Chinese reason."""


class _TooBig(Exception):
    pass


def scan(data: bytes, infos: list[zipfile.ZipInfo], limit: int) -> None:
    """Inflate every member, refusing past `limit` bytes in all or a sheet grid too big."""
    try:
        _scan(data, infos, limit)
    except _TooBig:
        raise ZipRefused(
            f"文件解压后超过 {limit // 1024 // 1024} MB（压缩包里声明的大小与实际不符），已拒绝读取"
        ) from None


def _scan(data: bytes, infos: list[zipfile.ZipInfo], limit: int) -> None:
    names = _sheet_names(data, {info.filename: info for info in infos}, limit)
    total = 0
    for info in infos:
        sheet = names.get(info.filename) or (info.filename if SHEET_PART.fullmatch(info.filename) else None)
        extent = _Extent(sheet) if sheet else None
        for chunk in _inflate(data, info, limit - total):
            total += len(chunk)
            if extent:
                extent.feed(chunk)
        if extent:
            extent.feed(b"", final=True)


def _inflate(data: bytes, info: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
    """The member's bytes as they really inflate; the declared sizes are not believed."""
    fields = LOCAL_HEADER.unpack_from(data, info.header_offset) if 0 <= info.header_offset <= len(data) - 30 else None
    if not fields or fields[0] != b"PK\x03\x04":
        raise ZipRefused("文件已损坏或不完整（无法解压），请重新导出或重新下载后上传")
    start = info.header_offset + LOCAL_HEADER.size + fields[9] + fields[10]
    view = memoryview(data)
    if info.compress_type == zipfile.ZIP_STORED:
        size = min(info.compress_size, len(data) - start)
        if size > budget:
            raise _TooBig
        yield view[start : start + size]
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        # Excel, WPS and LibreOffice only ever deflate; other methods we cannot count
        raise ZipRefused("文件使用了 Excel 不使用的压缩方式，请用 Excel/WPS 打开后另存为 .xlsx 再上传")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced, at = 0, start
    pending = b""
    try:
        while not inflater.eof:
            if not pending:
                if at >= len(data):
                    return  # truncated stream: calamine will say so
                pending, at = view[at : at + FEED], at + FEED
            chunk = inflater.decompress(pending, CHUNK)
            pending = inflater.unconsumed_tail
            produced += len(chunk)
            if produced > budget:
                raise _TooBig
            if chunk:
                yield chunk
    except zlib.error:
        return  # what cannot inflate cannot grow; calamine reports it if it needs the part


def _sheet_names(data: bytes, infos: dict[str, zipfile.ZipInfo], limit: int) -> dict[str, str]:
    """Worksheet part -> sheet name as Excel shows it, for the messages."""
    if "xl/workbook.xml" not in infos or "xl/_rels/workbook.xml.rels" not in infos:
        return {}
    workbook = b"".join(_inflate(data, infos["xl/workbook.xml"], limit)).decode("utf-8", "replace")
    rels = b"".join(_inflate(data, infos["xl/_rels/workbook.xml.rels"], limit)).decode("utf-8", "replace")
    targets = {}
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid, target = re.search(r'\bId="([^"]*)"', tag), re.search(r'\bTarget="([^"]*)"', tag)
        if rid and target:
            path = target.group(1).lstrip("/")
            targets[rid.group(1)] = path if path.startswith("xl/") else "xl/" + path
    names = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name, rid = re.search(r'\bname="([^"]*)"', tag), re.search(r'\bid="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            names[targets[rid.group(1)]] = html.unescape(name.group(1))
    return names


class _Extent:
    """The farthest cell holding content, found by looking only for references beyond it.

    A ledger's widest row comes first (the header), so after a few rows the search
    pattern matches nothing and the scan runs at regex speed. Cells without r="..."
    sit one column after the previous cell, so they add no more than they weigh.
    """

    def __init__(self, sheet: str):
        self.sheet = sheet
        self.cols = 1  # farthest column (1-based) of a cell with content
        self.rows = 1  # upper bound of the farthest row seen so far
        self.far_row = 1  # farthest row among the cells matched
        self.worst = (1.0, "A1")  # (how many times it grew the grid, cell)
        self.buffer = b""
        self.resume = 0
        self._compile()

    def _compile(self) -> None:
        columns = _greater(column_letter(self.cols - 1), "A", "Z")
        rows = _greater(str(MAX_GRID_CELLS // self.cols), "0", "9")
        self.far = f' r="(?:(?:{columns})[0-9]*|[A-Z]{{0,3}}(?:{rows}))"'
        self.pattern = re.compile(self.far.encode())

    def feed(self, chunk: bytes, final: bool = False) -> None:
        buffer = self.buffer + chunk
        # matches must start before the buffer's last reference, which may be cut short
        end = len(buffer) if final else buffer.rfind(b' r="', max(self.resume, len(buffer) - TAIL))
        if end < 0:
            end = max(self.resume, len(buffer) - 3)
        if _may_match(self.far, buffer[self.resume : end]):
            at = self.resume
            while (found := self.pattern.search(buffer, at)) is not None and found.start() < end:
                at = found.end()
                self._far(buffer, found)
        last = buffer.rfind(b' r="', self.resume, end)
        if last >= 0 and (ref := REF.match(buffer, last)) and ref.group(2):
            self.rows = max(self.rows, int(ref.group(2)))
        keep = max(0, end - TAIL)
        self.buffer, self.resume = buffer[keep:], end - keep

    def _far(self, buffer: bytes, found: re.Match) -> None:
        letters, digits = REF.match(buffer, found.start()).groups()
        if not digits or not _has_content(buffer, found.start(), found.end(), bool(letters)):
            return  # no row number: calamine refuses such a reference itself
        letters, row = letters.decode(), int(digits)
        col = _column_number(letters) if letters else 1
        # name the cell that stretched the grid most, not a normal row that tipped it over
        growth = max(col / self.cols, row / self.far_row)
        if growth > self.worst[0]:
            self.worst = (growth, f"{letters or 'A'}{row}")
        self.far_row = max(self.far_row, row)
        self.rows = max(self.rows, row)
        if col > self.cols:
            self.cols = col
            self._compile()
        if self.rows * self.cols > MAX_GRID_CELLS:
            raise ZipRefused(
                f"工作表「{self.sheet}」在单元格 {self.worst[1]} 有内容，使表格范围达 {self.rows:,} 行 × {self.cols:,} 列，"
                "远超台账大小（可能是误操作留下的内容）；请删除多余的行列后另存再上传"
            )


def _may_match(pattern: str, region: bytes) -> bool:
    """Whether `pattern` occurs in `region`, asked of polars' regex engine first: it
    skips a 160 MB sheet in a third of the time Python's re takes to say no."""
    try:
        text = pl.Series([region], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.ComputeError:
        return True  # not UTF-8: let Python's re look
    return bool(text.str.contains(pattern).item())


def _has_content(buffer: bytes, start: int, end: int, is_cell: bool) -> bool:
    """Whether the tag holding this r="..." places content there (calamine skips empties)."""
    lt = buffer.rfind(b"<", max(0, start - TAIL), start)
    if lt < 0:
        return True  # tag start beyond what we kept: count it, to be safe
    name = re.match(rb"<(?:[\w.-]+:)?([\w.-]+)", buffer[lt : start + 1])
    gt = buffer.find(b">", end)
    if not name or name.group(1) not in (b"c", b"row"):
        return False  # r="..." inside text or another element
    if gt < 0:
        return True
    if buffer[gt - 1 : gt] == b"/":
        return False  # <c r="XFD1" s="3"/> is a styled empty cell; <row .../> an empty row
    if is_cell:
        # <c r="XFD1" s="3" t="n"></c>, as openpyxl writes it, is as empty as the short form
        return not re.match(rb"\s*</(?:[\w.-]+:)?c>", buffer[gt + 1 : gt + 1 + TAIL])
    # a row's number only matters to cells that carry no r of their own
    first = re.match(rb"\s*<(?:[\w.-]+:)?c\b([^>]*)>", buffer[gt + 1 : gt + 1 + TAIL])
    return bool(first) and b" r=" not in first.group(1)


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _greater(value: str, low: str, high: str) -> str:
    """Regex for strings of [low-high] that sort after `value` (longer, or same length and later)."""
    alternatives = [f"[{low}-{high}]{{{len(value) + 1},}}"]
    for i, ch in enumerate(value):
        if ch < high:
            after = chr(ord(ch) + 1)
            alternatives.append(f"{value[:i]}[{after}-{high}][{low}-{high}]{{{len(value) - i - 1}}}")
    return "|".join(alternatives)
