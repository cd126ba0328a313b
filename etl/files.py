"""Open a spreadsheet file as grids of text cells, refusing bad files before parsing them.

Every cell is read as text (calamine's own rendering), so type sampling never loses a
value; the parsers in etl.parse decide what each text means.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from . import xls_scan, xlsx_scan
from .problems import column_letter

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
MAX_ROWS = 1_000_000

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
# BOF of an .xls workbook-globals substream (BIFF5/BIFF8); a FILEPASS record (0x002F)
# right after it means the workbook is encrypted ("文档加密" in WPS, 97-2003 password).
XLS_GLOBALS_BOF = re.compile(rb"\x09\x08[\x08\x10]\x00\x00[\x05\x06]\x05\x00")
XLS_FILEPASS = 0x002F


UNREADABLE = "文件无法按 Excel 格式读取（可能已损坏或不完整），请用 Excel/WPS 打开确认后重新另存上传"


class FileRefused(Exception):
    """The file as a whole cannot be read; str(e) is the Chinese reason and the fix."""


@dataclass
class Grid:
    """One sheet as text columns named by Excel letter; frame row i is Excel row i + 1."""

    name: str
    index: int
    frame: pl.DataFrame
    visible: bool = True


def check_file(path: Path, data: bytes) -> str:
    """Return the file format ('xlsx', 'xls', 'csv') or refuse the file with a reason."""
    if len(data) == 0:
        raise FileRefused("文件为空（0 字节），请重新导出后上传")
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(
            f"文件过大（{len(data) / 1024 / 1024:.1f} MB），上限为 {MAX_FILE_BYTES // 1024 // 1024} MB，请按月份拆分后上传"
        )
    suffix = path.suffix.lower()
    if data.startswith(ZIP_MAGIC):
        _check_zip(data)
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        if ENCRYPTED_MARK in data or _xls_encrypted(data):
            raise FileRefused("文件设置了打开密码，请在 Excel/WPS 中取消密码（文件→信息→保护工作簿）后另存再上传")
        try:
            xls_scan.check(data)
        except xls_scan.XlsRefused as refused:
            raise FileRefused(str(refused)) from None
        return "xls"
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise FileRefused(f"文件扩展名为 {suffix}，但内容不是 Excel 工作簿（可能已损坏或被改名），请用 Excel/WPS 重新另存为 .xlsx")
    if suffix in (".csv", ".txt") and (b"\x00" not in data[:4096] or _utf16_encoding(data[:4096])):
        return "csv"
    raise FileRefused("不是可识别的表格文件，请上传 .xlsx、.xls 或 .csv 文件")


def _xls_encrypted(data: bytes) -> bool:
    # calamine reports an encrypted .xls only as "Cannot detect file format"
    bof = XLS_GLOBALS_BOF.search(data)
    if bof is None:
        return False
    following = bof.start() + 4 + data[bof.start() + 2]
    return data[following : following + 2] == XLS_FILEPASS.to_bytes(2, "little")


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError):  # NotImplemented: a bad version field
        raise FileRefused("文件已损坏或不完整（无法解压），请重新导出或重新下载后上传") from None
    names = [info.filename for info in infos]
    declared = sum(info.file_size for info in infos)
    if "xl/workbook.xml" not in names:
        raise FileRefused("压缩包中没有 Excel 工作簿内容，不是 .xlsx 文件，请上传 Excel 导出的台账")
    # Declared sizes refuse an honest bomb before anything is inflated; the scan then
    # counts what really comes out, since the headers may lie.
    if declared > MAX_UNZIPPED_BYTES:
        raise FileRefused(
            f"文件解压后大小异常（{declared / 1024 / 1024:.0f} MB，上限 {MAX_UNZIPPED_BYTES // 1024 // 1024} MB），已拒绝读取"
        )
    try:
        xlsx_scan.scan(data, infos, MAX_UNZIPPED_BYTES)
    except xlsx_scan.ZipRefused as refused:
        raise FileRefused(str(refused)) from None


def read_grids(path: Path, data: bytes, fmt: str) -> list[Grid]:
    if fmt == "csv":
        return [Grid(name=path.stem, index=0, frame=_csv_frame(data))]
    try:
        reader = fastexcel.read_excel(data)
        grids = []
        for index, name in enumerate(reader.sheet_names):
            sheet = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
            if sheet.total_height > MAX_ROWS:
                raise FileRefused(f"工作表「{name}」超过 {MAX_ROWS:,} 行，请拆分后上传")
            grids.append(Grid(name, index, _lettered(sheet), visible=sheet.visible == "visible"))
        return grids
    except FileRefused:
        raise
    except Exception as exc:  # calamine reports corrupt, truncated and encrypted files alike
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            raise FileRefused("文件设置了密码保护，请取消密码后另存再上传") from None
        raise FileRefused(UNREADABLE) from None
    except BaseException as exc:
        # a Rust panic inside calamine (e.g. a formula's tokens cut short in an .xls)
        # arrives as pyo3's PanicException, which derives from BaseException
        if type(exc).__name__ != "PanicException":
            raise
        raise FileRefused(UNREADABLE) from None


def _lettered(sheet) -> pl.DataFrame:
    frame = sheet.to_polars()
    # calamine drops leading empty columns; absolute_index keeps the Excel letters right
    letters = [column_letter(c.absolute_index) for c in sheet.available_columns()]
    return frame.rename(dict(zip(frame.columns, letters)))


def _csv_frame(data: bytes) -> pl.DataFrame:
    text = _csv_text(data)
    head = text[:4096]
    # Excel's 「Unicode 文本」 export separates with TAB, the others with commas
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    start = 1  # the line the record being read begins on
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise FileRefused(f"CSV 文件超过 {MAX_ROWS:,} 行，请拆分后上传")
            start = reader.line_num + 1
    except csv.Error as exc:
        # the field limit (131,072 characters) keeps memory bounded; past it, the
        # field is nearly always a quote that never closes and swallows the lines after it
        if "field limit" in str(exc):
            swallowed = text.count("\n") + (not text.endswith("\n")) - start
            raise FileRefused(
                f"第 {start:,} 行起有一个未闭合的英文双引号，其后 {swallowed:,} 行被读成了一个单元格；"
                "请删除或补全该行的引号后另存再上传"
            ) from None
        raise FileRefused(f"CSV 文件第 {reader.line_num:,} 行格式有误，无法按表格读取；请在 WPS/Excel 中另存为 .xlsx 后上传") from None
    width = max((len(r) for r in rows), default=0)
    columns = {
        column_letter(j): [(r[j] if j < len(r) and r[j].strip() else None) for r in rows]
        for j in range(width)
    }
    return pl.DataFrame(columns, schema={k: pl.String for k in columns})


FOREIGN_ENCODINGS = {"big5": "繁体中文 Big5", "shift_jis": "日文 Shift-JIS"}
# Text from WPS in GBK is almost all GB2312 characters; Big5 or Shift-JIS bytes read as
# GBK land largely outside it (their second bytes run 0x40-0x7E, or their first 0x81-0xA0).
MIN_GB2312_SHARE = 0.8


def _csv_text(data: bytes) -> str:
    """Decode a CSV: UTF-16 (with or without BOM), UTF-8, or GBK; name Big5/Shift-JIS."""
    utf16 = _utf16_encoding(data[:4096])
    if utf16:
        try:
            return data.decode(utf16)
        except UnicodeDecodeError:
            raise FileRefused("CSV 文件看似 UTF-16 编码，但内容不完整或已损坏，请重新导出后上传") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is None or _gb2312_share(text) < MIN_GB2312_SHARE:
        foreign = next((label for codec, label in FOREIGN_ENCODINGS.items() if _decodes(data, codec)), None)
        if foreign:
            raise FileRefused(f"文件编码为{foreign}，请在 WPS/Excel 中另存为 .xlsx 或 UTF-8 CSV 后上传")
    if text is None:
        raise FileRefused("CSV 文件编码无法识别（既不是 UTF-8 也不是 GBK），请在 WPS/Excel 中另存为 .xlsx")
    return text


def _utf16_encoding(head: bytes) -> str | None:
    """'utf-16' for a BOM, 'utf-16-le'/'-be' when every other byte is mostly NUL."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    pairs = len(head) // 2
    even, odd = head[0 : pairs * 2 : 2].count(0), head[1 : pairs * 2 : 2].count(0)
    # ASCII (digits, TAB, commas, line ends) puts a NUL in its high byte; CJK rarely does
    if pairs and odd >= pairs / 10 and even <= odd / 10:
        return "utf-16-le"
    if pairs and even >= pairs / 10 and odd <= even / 10:
        return "utf-16-be"
    return None


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _gb2312_share(text: str) -> float:
    wide = [c for c in text[:20_000] if ord(c) > 0x7F]
    if not wide:
        return 1.0
    return sum(bool(c.encode("gb2312", "ignore")) for c in wide) / len(wide)
