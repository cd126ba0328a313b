"""Check an .xls (BIFF8 in an OLE2 compound file) before calamine opens it.

calamine reserves each sheet's cells from the sheet's DIMENSIONS record, so a 6 KB file
whose DIMENSIONS claims 1,048,576 x 16,384 asks for 687 GB and aborts the process; and
it places a cell at whatever column its record says, so one damaged byte (column 47,108)
asked for 37 GB. Real cells cannot go past the format's 65,536 rows x 256 columns, so a
claim or a cell beyond that is a damaged or hostile file.
"""

from __future__ import annotations

import struct

from .problems import column_letter

MAX_ROWS = 65_536
MAX_COLS = 256

BOF, BOUNDSHEET, DIMENSIONS = 0x0809, 0x0085, 0x0200
MULRK, MULBLANK = 0x00BD, 0x00BE
# records that put a cell at (row u16, column u16): LABELSST, NUMBER, RK, BOOLERR,
# BLANK, FORMULA, LABEL, RSTRING; MULRK/MULBLANK put a run of them from a first column
CELLS = frozenset((0x00FD, 0x0203, 0x027E, 0x0205, 0x0201, 0x0006, 0x0204, 0x00D6))
HEADER = struct.Struct("<HHHH")  # record type, length, then the first two u16 of its data


class XlsRefused(Exception):
    """str(e) is the Chinese reason."""


def check(data: bytes) -> None:
    """Refuse a sheet whose DIMENSIONS record or cells go past what an .xls can hold.

    One walk over the records: about 0.3 s for a 13 MB, 900,000-record workbook.
    """
    _check_header(data)
    stream = _workbook_stream(data)
    if stream is None:
        return  # not a readable compound file: calamine reports it as damaged
    names: dict[int, str] = {}
    sheet = None
    at, end = 0, len(stream) - HEADER.size
    while at <= end:
        kind, size, first, second = HEADER.unpack_from(stream, at)
        if kind in CELLS:
            if second >= MAX_COLS:
                _refuse_cell(sheet, first, second)
        elif kind == MULRK or kind == MULBLANK:
            last = second + (size - 6) // (6 if kind == MULRK else 2) - 1  # calamine counts entries
            if last >= MAX_COLS:
                _refuse_cell(sheet, first, last)
        elif kind == DIMENSIONS:
            _check_dimensions(sheet, stream, at, size)
        elif kind == BOUNDSHEET and at + 12 <= len(stream):
            names[struct.unpack_from("<I", stream, at + 4)[0]] = _sheet_name(stream, at)
        elif kind == BOF:
            sheet = names.get(at)
        at += 4 + size


def _check_header(data: bytes) -> None:
    """The compound file's header counts are claims too: calamine sized a buffer from a
    mini-FAT count of 44,544 sectors in a 5 KB file (11 GB, abort)."""
    if len(data) < 512:
        return
    sector_shift, mini_shift = struct.unpack_from("<HH", data, 30)
    n_fat, n_minifat, n_difat = (struct.unpack_from("<I", data, at)[0] for at in (44, 64, 72))
    sectors = max(0, len(data) - 512) >> min(sector_shift, 12)
    if sector_shift not in (9, 12) or mini_shift != 6 or max(n_fat, n_minifat, n_difat) > sectors:
        raise XlsRefused("文件已损坏（文件头记录的结构与文件大小不符），请用 Excel/WPS 打开后另存为 .xlsx 再上传")


def _refuse_cell(sheet: str | None, row: int, col: int) -> None:
    raise XlsRefused(
        f"工作表「{sheet or '?'}」在单元格 {column_letter(col)}{row + 1}（第 {col + 1:,} 列）有内容，超出 .xls 格式的 "
        f"{MAX_COLS} 列上限，文件已损坏；请用 Excel/WPS 打开后另存为 .xlsx 再上传"
    )


def _check_dimensions(sheet: str | None, stream: bytes, at: int, size: int) -> None:
    # first row, last row + 1, first column, last column + 1, read (as calamine does)
    # by the record's length: 14 bytes with u32 rows, 10 with u16 rows
    layout = {14: "<4xIIHH", 10: "<4xHHHH"}.get(size)
    if layout is None or at + struct.calcsize(layout) > len(stream):
        return
    _, rows, _, cols = struct.unpack_from(layout, stream, at)
    if rows > MAX_ROWS or cols > MAX_COLS:
        raise XlsRefused(
            f"工作表「{sheet or '?'}」记录的表格范围为 {rows:,} 行 × {cols:,} 列，超出 .xls 格式的上限"
            f"（{MAX_ROWS:,} 行 × {MAX_COLS} 列），文件已损坏；请用 Excel/WPS 打开后另存为 .xlsx 再上传"
        )


def _sheet_name(stream: bytes, at: int) -> str:
    length, wide = stream[at + 10], stream[at + 11] & 1
    raw = stream[at + 12 : at + 12 + length * (2 if wide else 1)]
    return raw.decode("utf-16-le" if wide else "latin-1", "replace")


def _workbook_stream(data: bytes) -> bytes | None:
    """The 'Workbook' (or BIFF5 'Book') stream of an OLE2 compound file, or None."""
    try:
        sector = 1 << struct.unpack_from("<H", data, 30)[0]
        mini = 1 << struct.unpack_from("<H", data, 32)[0]
        first_dir, _, cutoff, first_minifat, _, first_difat, n_difat = struct.unpack_from("<7I", data, 48)
        sectors = (len(data) - sector) // sector

        def at(n: int) -> int:
            return sector + n * sector

        difat = [n for n in struct.unpack_from("<109I", data, 76) if n < sectors]
        next_difat = first_difat
        for _ in range(min(n_difat, sectors)):
            if next_difat >= sectors:
                break
            entries = struct.unpack_from(f"<{sector // 4}I", data, at(next_difat))
            difat += [n for n in entries[:-1] if n < sectors]
            next_difat = entries[-1]
        fat: list[int] = []
        for n in difat:
            fat += struct.unpack_from(f"<{sector // 4}I", data, at(n))

        def chain(start: int, table: list[int]) -> list[int]:
            out = []
            while start < len(table) and len(out) <= len(table):  # a loop is a damaged file
                out.append(start)
                start = table[start]
            return out

        def read(start: int) -> bytes:
            return b"".join(data[at(n) : at(n) + sector] for n in chain(start, fat) if n < sectors)

        directory = read(first_dir)
        entries = [directory[i : i + 128] for i in range(0, len(directory) - 127, 128)]
        root = entries[0]
        for entry in entries:
            length = min(struct.unpack_from("<H", entry, 64)[0], 64)
            name = entry[: max(0, length - 2)].decode("utf-16-le", "replace")
            if name in ("Workbook", "Book") and entry[66] == 2:
                start, size = struct.unpack_from("<II", entry, 116)
                if size >= cutoff:
                    return read(start)[:size]
                minifat = list(struct.unpack(f"<{len(m) // 4}I", m)) if (m := read(first_minifat)) else []
                ministream = read(struct.unpack_from("<I", root, 116)[0])
                return b"".join(ministream[n * mini : (n + 1) * mini] for n in chain(start, minifat))[:size]
    except (struct.error, IndexError):
        return None
    return None
