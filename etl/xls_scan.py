"""Check an .xls (BIFF8 in an OLE2 compound file) before calamine opens it.

calamine reserves each sheet's cells from the sheet's DIMENSIONS record, so a 6 KB file
whose DIMENSIONS claims 1,048,576 x 16,384 asks for 687 GB and aborts the process.
Real cells cannot go past the format's 65,536 rows x 256 columns, so a claim beyond
that is a damaged or hostile file.
"""

from __future__ import annotations

import struct

MAX_ROWS = 65_536
MAX_COLS = 256

BOF, BOUNDSHEET = 0x0809, 0x0085


class XlsRefused(Exception):
    """str(e) is the Chinese reason."""


def check(data: bytes) -> None:
    """Refuse a sheet whose DIMENSIONS record claims more than an .xls can hold."""
    stream = _workbook_stream(data)
    if stream is None:
        return  # not a readable compound file: calamine reports it as damaged
    # DIMENSIONS: first row, last row + 1, first column, last column + 1, read (as
    # calamine does) by the record's length: 14 bytes with u32 rows, 10 with u16 rows
    for header, layout in ((b"\x00\x02\x0e\x00", "<4xIIHH"), (b"\x00\x02\x0a\x00", "<4xHHHH")):
        at = stream.find(header)
        while at >= 0:
            if at + struct.calcsize(layout) <= len(stream):
                _, rows, _, cols = struct.unpack_from(layout, stream, at)
                if rows > MAX_ROWS or cols > MAX_COLS:
                    _refuse_if_record(stream, at, rows, cols)
            at = stream.find(header, at + 1)


def _refuse_if_record(stream: bytes, offset: int, rows: int, cols: int) -> None:
    """Walk the records (only for a suspicious hit) to be sure it is one, and name its sheet."""
    names, sheet, at = {}, None, 0
    while at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        if kind == BOUNDSHEET and size >= 8:
            start, length = struct.unpack_from("<I", stream, at + 4)[0], stream[at + 10]
            wide = stream[at + 11] & 1
            raw = stream[at + 12 : at + 12 + length * (2 if wide else 1)]
            names[start] = raw.decode("utf-16-le" if wide else "latin-1", "replace")
        elif kind == BOF:
            sheet = names.get(at)
        if at == offset:
            raise XlsRefused(
                f"工作表「{sheet or '?'}」记录的表格范围为 {rows:,} 行 × {cols:,} 列，超出 .xls 格式的上限"
                f"（{MAX_ROWS:,} 行 × {MAX_COLS} 列），文件已损坏；请用 Excel/WPS 打开后另存为 .xlsx 再上传"
            )
        if at > offset:
            return  # the hit was inside another record's data
        at += 4 + size


def _workbook_stream(data: bytes) -> bytes | None:
    """The 'Workbook' (or BIFF5 'Book') stream of an OLE2 compound file, or None."""
    try:
        sector = 1 << struct.unpack_from("<H", data, 30)[0]
        mini = 1 << struct.unpack_from("<H", data, 32)[0]
        first_dir, cutoff, first_minifat, _, first_difat, n_difat = struct.unpack_from("<IIIIII", data, 48)
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
