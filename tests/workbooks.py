"""Tiny ledger files built in a test's tmp_path, one builder per layout habit of docs/domain.md.

A sheet is a list of rows; a row is a list of cell values (None = empty cell). Builders
return the path they wrote, so a test reads:

    path = title_row_ledger(tmp_path)
    ledger = read_ledger(path)
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import openpyxl
import xlwt
from openpyxl.utils import column_index_from_string
from openpyxl.utils.cell import coordinate_from_string

SIGNED_HEADER = ["序号", "项目名称", "所属县（市、区）", "签约金额（万元）", "签约时间", "所属产业链"]
STARTED_HEADER = ["序号", "项目名称", "所属县（市、区）", "计划总投资（万元）", "开工时间"]


@dataclass
class Sheet:
    rows: list[list]
    merges: list[str] = field(default_factory=list)  # "A1:F1"
    hidden_columns: str = ""  # letters, e.g. "CD"
    at: str = "A1"  # the cell that receives rows[0][0]
    hidden: bool = False


def xlsx(path: Path, sheets: dict[str, Sheet | list[list]]) -> Path:
    """Write an .xlsx with openpyxl; dates and numbers stay typed cells."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, sheet in sheets.items():
        sheet = sheet if isinstance(sheet, Sheet) else Sheet(sheet)
        ws = wb.create_sheet(name)
        letter, first_row = coordinate_from_string(sheet.at)
        first_col = column_index_from_string(letter)
        for i, row in enumerate(sheet.rows):
            for j, value in enumerate(row):
                if value is not None:
                    ws.cell(first_row + i, first_col + j, value)
        for span in sheet.merges:
            ws.merge_cells(span)
        for letter in sheet.hidden_columns:
            ws.column_dimensions[letter].hidden = True
        if sheet.hidden:
            ws.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def xls(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Write an old-style .xls with xlwt (BIFF8, an OLE2 container)."""
    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        ws = wb.add_sheet(name)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if isinstance(value, date):
                    ws.write(i, j, value, date_style)
                elif value is not None:
                    ws.write(i, j, value)
    wb.save(str(path))
    return path


def csv_file(path: Path, rows: list[list], encoding: str = "utf-8-sig", delimiter: str = ",") -> Path:
    """CSV as WPS saves it: gbk, or utf-8 with a BOM ('utf-8-sig'); Excel's 「Unicode 文本」
    is encoding='utf-16' (little-endian with a BOM), delimiter='\t'."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", delimiter=delimiter)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def signed_rows(*projects: tuple) -> list[list]:
    """Numbered body rows under SIGNED_HEADER from (name, unit, amount, date, chain) tuples."""
    return [[i, *p] for i, p in enumerate(projects, 1)]


# ---------------------------------------------------------------- layout habits


def title_row_ledger(tmp_path: Path) -> Path:
    """Habit 1: merged title row above the header; the period is only in the title."""
    return xlsx(tmp_path / "签约台账.xlsx", {"Sheet1": Sheet(
        [
            ["运城市2024年1-6月招商引资签约项目台账"],
            SIGNED_HEADER,
            *signed_rows(
                ("年产10万吨铝型材项目", "临猗县", 12000, date(2024, 3, 15), "铝镁精深加工"),
                ("100MW储能电站", "盐湖区", 56000.5, date(2024, 5, 20), "新能源"),
            ),
        ],
        merges=["A1:F1"],
    )})


def mixed_units_ledger(tmp_path: Path) -> Path:
    """Habit 2: a "单位：万元" line, and columns in （亿元） and [万元] on the same sheet."""
    return xlsx(tmp_path / "2024年3月签约项目台账.xlsx", {"3月": Sheet(
        [
            ["2024年3月签约项目台账"],
            [None, None, None, None, None, "单位：万元"],
            ["项目名称", "县（市、区）", "签约金额（亿元）", "计划总投资[万元]", "累计到位资金", "签约日期"],
            ["铜箔项目", "闻喜", 3.5, 20000, 1500, date(2024, 3, 1)],
            ["光伏组件项目", "河津市", "0.8", "9000", "约1亿元", date(2024, 3, 9)],
        ],
        merges=["A1:F1"],
    )})


def two_row_header_ledger(tmp_path: Path) -> Path:
    """Habit 3: a merged group cell with the unit over 签约金额 | 计划总投资."""
    return xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": Sheet(
        [
            ["序号", "项目名称", "所属县（市、区）", "投资情况（亿元）", None, "签约时间", "备注"],
            [None, None, None, "签约金额", "计划总投资", None, None],
            [1, "碳纤维项目", "稷山县", 2.5, 3, date(2024, 4, 1), None],
            [2, "食品产业园", "新绛", 0.6, None, date(2024, 4, 2), "二期"],
        ],
        merges=["A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:F2", "G1:G2"],
    )})


def three_row_header_ledger(tmp_path: Path) -> Path:
    """Habit 3: three header rows; the unit sits in the top group cell only."""
    return xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": Sheet(
        [
            ["项目名称", "所属县（市、区）", "投资情况（亿元）", None, None, "签约时间"],
            [None, None, "签约情况", None, "到位情况", None],
            [None, None, "签约金额", "计划总投资", "累计到位资金", None],
            ["碳纤维项目", "稷山县", 2.5, 3, 0.5, date(2024, 4, 1)],
        ],
        merges=["A1:A3", "B1:B3", "C1:E1", "C2:D2", "F1:F3"],
    )})


def totals_ledger(tmp_path: Path, total: float, *, total_first: bool) -> Path:
    """Habit 4: a 合计 row first under the header or last."""
    body = signed_rows(
        ("铝材项目", "万荣县", 1000, date(2024, 2, 1), None),
        ("面粉加工项目", "万荣县", 234.5, date(2024, 2, 3), None),
    )
    total_row = ["合计", None, None, total, None, None]
    rows = [total_row, *body] if total_first else [*body, total_row]
    return xlsx(tmp_path / "2024年2月签约项目台账.xlsx", {"Sheet1": [SIGNED_HEADER, *rows]})


def group_rows_ledger(tmp_path: Path) -> Path:
    """Habit 4: group rows "一、盐湖区" give the unit; 小计 rows are skipped; no unit column."""
    header = ["序号", "项目名称", "签约金额（万元）", "签约时间"]
    return xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": [
        ["2024年招商引资签约项目台账"],
        header,
        ["合计", None, 3500, None],
        ["一、盐湖区", None, None, None],
        [1, "盐湖物流园", 1000, date(2024, 1, 8)],
        [2, "盐湖数据中心", 2000, date(2024, 1, 9)],
        ["小计", None, 3000, None],
        ["二、空港区", None, None, None],
        [1, "航空配餐项目", 500, date(2024, 1, 10)],
        ["小计", None, 500, None],
    ]})


def nested_groups_ledger(tmp_path: Path) -> Path:
    """Habit 4: county groups "一、盐湖区" with chain sub-groups "（一）新能源" inside them."""
    return xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": [
        ["序号", "项目名称", "签约金额（万元）", "签约时间"],
        ["一、盐湖区"],
        ["（一）新能源"],
        [1, "光伏项目", 100, date(2024, 1, 1)],
        ["（二）食品加工"],
        [2, "面粉项目", 200, date(2024, 1, 2)],
        ["二、临猗县"],
        [1, "苹果项目", 300, date(2024, 1, 3)],
    ]})


def month_sheets_ledger(tmp_path: Path) -> Path:
    """Habit 5: cumulative month sheets, a 说明 sheet and a 汇总 sheet by county."""
    q1 = signed_rows(("铝材项目", "临猗县", 1000, date(2024, 2, 1), None))
    h1 = signed_rows(
        ("铝材项目", "临猗县", 1200, date(2024, 2, 1), None),
        ("储能电站项目", "永济", 50000, date(2024, 5, 1), None),
    )
    return xlsx(tmp_path / "2024年签约项目台账.xlsx", {
        "说明": [["填表说明"], ["1. 金额单位为万元"], ["2. 日期写成 2024-03-15"]],
        "1-3月": [SIGNED_HEADER, *q1],
        "1-6月": [SIGNED_HEADER, *h1],
        "汇总": [["县（市、区）", "签约项目数", "签约金额（万元）"], ["临猗县", 1, 1200], ["永济市", 1, 50000]],
    })


def footer_ledger(tmp_path: Path) -> Path:
    """Habit 6: signature lines under the table, and a stray number below them."""
    return xlsx(tmp_path / "2024年5月签约项目台账.xlsx", {"Sheet1": [
        SIGNED_HEADER,
        *signed_rows(("铝材项目", "夏县", 800, date(2024, 5, 6), None)),
        [None],
        ["填报人：张三", None, "审核人：李四", None, "联系电话：0359-1234567"],
        ["填报日期：2024年6月3日"],
        [None, None, None, 999],
    ]})


TEXT_AMOUNTS = [
    # (cell as typed, 万元 expected)
    ("约5亿元", "50000"),
    ("5000万", "5000"),
    ("1,234.5", "1234.5"),
    ("１２３４", "1234"),
    ("待定", None),
    ("—", None),
    ("/", None),
]


def text_values_ledger(tmp_path: Path) -> Path:
    """Habit 7: amounts typed as text in a 万元 column."""
    return xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": [
        SIGNED_HEADER,
        *signed_rows(*((f"项目{i}", "芮城县", text, date(2024, 6, 1), None) for i, (text, _) in enumerate(TEXT_AMOUNTS, 1))),
    ]})


TEXT_DATES = [
    # (cell, date expected)
    (date(2024, 3, 15), date(2024, 3, 15)),
    ("2024.3.15", date(2024, 3, 15)),
    ("2024/3/15", date(2024, 3, 15)),
    ("2024年3月15日", date(2024, 3, 15)),
    ("20240315", date(2024, 3, 15)),
    ("2024.3", date(2024, 3, 1)),
]


def dates_ledger(tmp_path: Path) -> Path:
    """Habit 8: one project per date form."""
    return xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": [
        SIGNED_HEADER,
        *signed_rows(*((f"项目{i}", "平陆县", 100, cell, None) for i, (cell, _) in enumerate(TEXT_DATES, 1))),
    ]})


def offset_table_ledger(tmp_path: Path) -> Path:
    """Habit 9: table at B4, a hidden helper column, blank rows inside the table."""
    return xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": Sheet(
        [
            ["项目名称", "辅助列", "所属县（市、区）", "签约金额（万元）", "签约时间"],
            ["甲项目", "x1", "垣曲县", 100, date(2024, 1, 2)],
            [None],
            [None],
            ["乙项目", "x2", "垣曲县", 200, date(2024, 1, 3)],
            ["丙项目", "x3", "垣曲县", "abc", date(2024, 1, 4)],
        ],
        at="B4",
        hidden_columns="C",
    )})


def county_in_file_name_csv(tmp_path: Path, encoding: str = "gbk") -> Path:
    """Habit 10: a county's own CSV from WPS: the county is only in the file name."""
    return csv_file(tmp_path / "2024年临猗县签约项目台账.csv", [
        ["项目名称", "签约金额（万元）", "签约时间"],
        ["苹果深加工项目", "3000", "2024/3/15"],
        ["果汁饮料项目", "1,200", "2024年4月1日"],
    ], encoding)


def old_xls_ledger(tmp_path: Path) -> Path:
    """Habit 10: an .xls from an old template."""
    return xls(tmp_path / "2024年3月签约项目台账.xls", {"3月": [
        ["2024年3月签约项目台账（单位：亿元）"],
        ["项目名称", "县区", "签约金额", "签约时间"],
        ["铝镁合金项目", "闻喜县", 12.5, date(2024, 3, 20)],
        ["中药材加工项目", "绛　县", 0.35, "2024.3.28"],
    ]})


def synonyms_ledger(tmp_path: Path) -> Path:
    """Less common header words: 签约项目名称, 县市区, 协议投资额, 计划投资额."""
    return xlsx(tmp_path / "台账.xlsx", {"Sheet1": [
        ["签约项目名称", "县市区", "协议投资额（亿元）", "协议签订时间", "计划投资额（亿元）"],
        ["风电项目", "万荣", 8, date(2024, 7, 1), 9.5],
    ]})


def started_ledger(tmp_path: Path, rows: list[list], name: str = "2024年1-6月开工项目台账.xlsx", header=None) -> Path:
    """A started ledger; rows under STARTED_HEADER unless header is given."""
    return xlsx(tmp_path / name, {"Sheet1": [header or STARTED_HEADER, *rows]})


def signed_ledger(tmp_path: Path, projects: list[tuple], name: str = "2024年1-6月签约项目台账.xlsx") -> Path:
    """A plain signed ledger from (name, unit, amount, date, chain) tuples."""
    return xlsx(tmp_path / name, {"Sheet1": [SIGNED_HEADER, *signed_rows(*projects)]})


# ---------------------------------------------------------------- bad files


def truncated_xlsx(tmp_path: Path) -> Path:
    """A valid workbook cut in half, as an interrupted download leaves it."""
    good = signed_ledger(tmp_path / "good", [("铝材项目", "临猗县", 100, date(2024, 1, 2), None)])
    data = good.read_bytes()
    path = tmp_path / "2024年签约项目台账.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def text_renamed_xlsx(tmp_path: Path) -> Path:
    path = tmp_path / "签约项目台账.xlsx"
    path.write_text("项目名称,签约金额\n铝材项目,100\n", encoding="utf-8")
    return path


def empty_file(tmp_path: Path, name: str = "签约项目台账.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(b"")
    return path


def encrypted_xlsx(tmp_path: Path) -> Path:
    """What Excel writes for a password-protected .xlsx: an OLE2 compound file whose
    directory holds the streams EncryptionInfo and EncryptedPackage.

    Built by hand (no encryption library offline): a minimal compound file with one FAT
    sector and one directory sector naming the two streams. files.py only needs the
    OLE2 signature and the UTF-16 stream name; calamine would also reject it.
    """
    sector = 512
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)  # minor, major v3, LE, 512 B, 64 B
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 0x1000, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    # ^ directory sectors (0 in v3), FAT sectors 1, first directory sector 1, transaction,
    #   mini cutoff, no mini FAT, 0 mini FAT sectors, no DIFAT, 0 DIFAT sectors
    difat = [0] + [0xFFFFFFFF] * 108  # FAT lives in sector 0
    struct.pack_into("<109I", header, 76, *difat)
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *[0xFFFFFFFF] * 126)

    def entry(name: str, kind: int, child=0xFFFFFFFF, right=0xFFFFFFFF) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        out = bytearray(128)
        out[0 : len(raw)] = raw
        struct.pack_into("<HBB", out, 64, len(raw), kind, 1)
        struct.pack_into("<III", out, 68, 0xFFFFFFFF, right, child)
        struct.pack_into("<II", out, 116, 0xFFFFFFFE, 0)  # empty stream
        return bytes(out)

    directory = (
        entry("Root Entry", 5, child=1)
        + entry("EncryptionInfo", 2, right=2)
        + entry("EncryptedPackage", 2)
        + bytes(128)
    )
    path = tmp_path / "2024年签约项目台账.xlsx"
    path.write_bytes(bytes(header) + fat + directory)
    return path


def zip_bomb_xlsx(tmp_path: Path, inflated: int = 1100 * 1024**2) -> Path:
    """An .xlsx-looking zip with a member that inflates to `inflated` bytes of zeros.

    Streamed through zipfile, so building it never holds more than one chunk in memory;
    1.1 GiB of zeros deflate to about 5 MB in about a second.
    """
    path = tmp_path / "2024年签约项目台账.xlsx"
    chunk = bytes(16 * 1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for start in range(0, inflated, len(chunk)):
                member.write(chunk[: inflated - start])
    return path


def encrypted_xls(tmp_path: Path) -> Path:
    """An .xls whose globals substream starts with a FILEPASS record, as an encrypted
    97-2003 workbook does. Made from an xlwt file by retyping the record after BOF
    (FILEPASS is always the first record after BOF); the body is not real RC4 data.
    """
    path = old_xls_ledger(tmp_path)
    data = bytearray(path.read_bytes())
    bof = data.find(b"\x09\x08\x10\x00\x00\x06\x05\x00")
    struct.pack_into("<H", data, bof + 4 + 16, 0x002F)
    path.write_bytes(bytes(data))
    return path


def not_a_workbook_zip(tmp_path: Path) -> Path:
    """A .docx (a zip without xl/workbook.xml) renamed to .xlsx."""
    path = tmp_path / "签约项目台账.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return path


# ---------------------------------------------------------------- hostile files

_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def raw_xlsx(path: Path, sheet_data: str | bytes, dimension: str = "A1", sheet: str = "Sheet1") -> Path:
    """A one-sheet .xlsx whose <sheetData> is written verbatim (as odd tools write it).

    The sheet part is named sheet1.xml but reached through relationship rId7, so the
    sheet's name has to come from workbook.xml, not from the part name.
    """
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>'
    ).encode()
    body = sheet_data.encode() if isinstance(sheet_data, str) else sheet_data
    workbook = (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{sheet}" sheetId="1" r:id="rId7"/></sheets></workbook>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", head + body + b"</sheetData></worksheet>")
    return path


def sparse_bomb_xlsx(tmp_path: Path, far: str = "XFD1048576", sheet: str = "Sheet1") -> Path:
    """A few KB: a header at A1 and one stray value at `far` (calamine fills the grid between)."""
    row = int("".join(ch for ch in far if ch.isdigit()))
    return raw_xlsx(tmp_path / "2024年签约项目台账.xlsx", (
        f'<row r="1">{text_cell("A1", "项目名称")}</row>'
        f'<row r="{row}"><c r="{far}"><v>1</v></c></row>'
    ), sheet=sheet)


def lying_zip_xlsx(tmp_path: Path, inflated: int, declared: int = 1000) -> Path:
    """A workbook whose sheet really inflates to `inflated` bytes but whose zip headers
    (local header and central directory) say `declared`; built with the sizes patched.
    """
    path = raw_xlsx(tmp_path / "2024年签约项目台账.xlsx", "")
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    head, tail = parts.pop("xl/worksheets/sheet1.xml").split(b"</sheetData>")
    chunk = b"<row/>" * (16 * 1024 * 1024 // 6)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, part in parts.items():
            archive.writestr(name, part)
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:  # streamed: never all in memory
            member.write(head + f'<row r="1">{text_cell("A1", "项目名称")}</row>'.encode())
            for start in range(0, inflated, len(chunk)):
                member.write(chunk[: max(0, inflated - start)])
            member.write(b"</sheetData>" + tail)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, declared)  # local: uncompressed size
    central = data.find(b"PK\x01\x02")
    while True:  # find this member's central directory record
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            break
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, declared)  # central: uncompressed size
    path.write_bytes(bytes(data))
    return path


def truncated_formula_xls(tmp_path: Path) -> Path:
    """An .xls whose formula at B2 (=A2+1) says its tokens are 1 byte long: the first
    token's operand is cut off, and calamine panics indexing past it."""
    path = tmp_path / "2024年签约项目台账.xls"
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    sheet.write(0, 0, "项目名称")
    sheet.write(1, 0, 5)
    sheet.write(1, 1, xlwt.Formula("A2+1"))
    book.save(str(path))
    data = bytearray(path.read_bytes())
    at = data.find(b"\x06\x00")  # FORMULA record: type, length, then row, column ...
    while struct.unpack_from("<HH", data, at + 4) != (1, 1):
        at = data.find(b"\x06\x00", at + 1)
    struct.pack_into("<H", data, at + 4 + 20, 1)  # cce: the formula's token bytes
    path.write_bytes(bytes(data))
    return path


def far_cell_xls(
    tmp_path: Path, rows: int = 65_536, cols: int = 256, claim: tuple[int, int] | None = None, short: bool = False
) -> Path:
    """An .xls with a header at A1 and a value in its last cell (row `rows`, column `cols`);
    `claim` rewrites the sheet's DIMENSIONS record (last row + 1, last column + 1)."""
    path = tmp_path / "2024年签约项目台账.xls"
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("3月")
    sheet.write(0, 0, "项目名称")
    sheet.write(rows - 1, cols - 1, 1)
    book.save(str(path))
    if claim:
        data = bytearray(path.read_bytes())
        at = data.find(b"\x00\x02\x0e\x00")  # DIMENSIONS, 14 bytes
        if short:  # the 10-byte (BIFF5) form, then an empty record of an unused type
            data[at : at + 18] = struct.pack("<HHHHHHHHH", 0x0200, 10, 0, claim[0], 0, claim[1], 0, 0x01FF, 0)
        else:
            struct.pack_into("<IIHH", data, at + 4, 0, claim[0], 0, claim[1])
        path.write_bytes(bytes(data))
    return path


def damaged_column_xls(tmp_path: Path, column: int = 47_107) -> Path:
    """An .xls whose cell B2 has had its column byte damaged to `column` (0-based); one
    such byte, found by fuzzing, made calamine ask for 37 GB."""
    path = xls(tmp_path / "2024年签约项目台账.xls", {"3月": [["项目名称"], [None, 1]]})
    data = bytearray(path.read_bytes())
    at = data.find(b"\x7e\x02\x0a\x00\x01\x00\x01\x00")  # RK record at row 1, column 1
    struct.pack_into("<H", data, at + 6, column)
    path.write_bytes(bytes(data))
    return path


# ---------------------------------------------------------------- header vocabulary


def worded_ledger(tmp_path: Path, header: list, *rows: list, name: str = "2024年1-6月签约项目台账.xlsx") -> Path:
    """A ledger whose header says things in words headers.csv does not list (所在县区, 签订日期)."""
    return xlsx(tmp_path / name, {"Sheet1": [header, *rows]})


# ---------------------------------------------------------------- real public ledgers (FIELD-NOTES, second round)


def annotated_header_ledger(tmp_path: Path) -> Path:
    """Blank rows, a merged title and an annotation line above a header at row 5."""
    return xlsx(tmp_path / "签约项目台账.xlsx", {"Sheet1": Sheet(
        [
            [None],
            ["运城市2024年1-6月招商引资签约项目台账"],
            [None],
            ["注：请各县（市、区）于每月5日前报送，金额保留两位小数"],
            SIGNED_HEADER,
            *signed_rows(
                ("铝型材项目", "临猗县", 1200, date(2024, 3, 15), "铝镁精深加工"),
                ("储能电站项目", "盐湖区", 3400.5, date(2024, 5, 20), "新能源"),
            ),
        ],
        merges=["A2:F2", "A4:F4"],
    )})


def keep_row_ledger(tmp_path: Path, header: list | None = None) -> Path:
    """A template row 「此行需保留，勿删」 merged across the table just under the header."""
    header = header or SIGNED_HEADER
    width = len(header)
    last = chr(ord("A") + width - 1)
    body = [["铝型材项目", "临猗县", 1200, date(2024, 3, 15), None], ["储能电站项目", "盐湖区", 800, date(2024, 5, 20), None]]
    if header[0] == "序号":
        body = [[i, *row] for i, row in enumerate(body, 1)]
    return xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": Sheet(
        [header, ["此行需保留，勿删"], *body], merges=[f"A2:{last}2"],
    )})


PLACEHOLDER_HEADER = [
    "项目名称", "所属县（市、区）", "签约金额（万元）", "签约时间", "所属产业链", "投资方",
    "计划总投资（万元）", "累计到位资金（万元）", "开工时间", "项目代码", "备注",
]
OPTIONAL_PLACEHOLDERS = ["/", "无", "—", "缺漏", "#REF!"]


def placeholders_ledger(tmp_path: Path) -> Path:
    """Every optional cell of a row holds one placeholder: /, 无, —, 缺漏 or #REF!."""
    rows = [
        [f"项目{i}", "夏县", 100 * i, date(2024, 2, i), *([text] * 7)]
        for i, text in enumerate(OPTIONAL_PLACEHOLDERS, 1)
    ]
    return xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": [PLACEHOLDER_HEADER, *rows]})


SERIAL_DATES = [
    # (cell as typed into a text column, date expected)
    ("45366", date(2024, 3, 15)),
    ("45366.0", date(2024, 3, 15)),
    ("  2024-03-15", date(2024, 3, 15)),
    ("2024-03-15  ", date(2024, 3, 15)),
    ("\u30002024年3月15日\u3000", date(2024, 3, 15)),
    (" 2024.3.15 ", date(2024, 3, 15)),
]


def serial_dates_ledger(tmp_path: Path) -> Path:
    """A date column formatted as text: Excel serial numbers and dates padded with spaces."""
    return xlsx(tmp_path / "2024年签约项目台账.xlsx", {"Sheet1": [
        SIGNED_HEADER,
        *signed_rows(*((f"项目{i}", "绛县", 10, cell, None) for i, (cell, _) in enumerate(SERIAL_DATES, 1))),
    ]})


def hidden_instructions_ledger(tmp_path: Path) -> Path:
    """A hidden 填写说明 sheet before the list, naming the columns one per row."""
    return xlsx(tmp_path / "2024年签约项目台账.xlsx", {
        "填写说明": Sheet([
            ["填写说明"],
            ["序号", "栏目", "填写要求"],
            [1, "项目名称", "填写项目全称"],
            [2, "所属县（市、区）", "填写县（市、区）全称"],
            [3, "签约金额（万元）", "填写数字，单位万元"],
            [4, "签约时间", "填写 2024-03-15 形式"],
        ], hidden=True),
        "签约项目": [SIGNED_HEADER, *signed_rows(("铝型材项目", "闻喜县", 500, date(2024, 4, 1), None))],
    })


def trailing_space_sheets_ledger(tmp_path: Path) -> Path:
    """Sheet names with trailing spaces, as copied sheets get them; the period is in the name."""
    return xlsx(tmp_path / "签约项目台账.xlsx", {
        "2024年1-3月 ": [SIGNED_HEADER, *signed_rows(("铝型材项目", "万荣县", 300, date(2024, 2, 1), None))],
        "说明  ": [["填表说明"], ["金额单位为万元"]],
    })


def wide_used_range_ledger(tmp_path: Path, far: str = "XFC1") -> Path:
    """A styled empty cell at `far`: the used range claims 16,383 columns (openpyxl writes it)."""
    path = signed_ledger(tmp_path, [("铝型材项目", "河津市", 700, date(2024, 6, 1), None)], name="2024年签约项目台账.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book.active
    sheet[far].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    sheet[far].border = openpyxl.styles.Border(left=openpyxl.styles.Side("thin"))
    book.save(path)
    return path
