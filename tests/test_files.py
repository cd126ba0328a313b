"""Bad files are refused fast, whole, with one Chinese reason; read_ledger never raises."""

import random
import re
import resource
import zipfile
from datetime import date
from decimal import Decimal

import pytest

import workbooks as wb
from etl import files, xlsx_scan
from etl.files import FileRefused, check_file
from etl.read import read_ledger

CORRUPT = "文件已损坏或不完整（无法解压），请重新导出或重新下载后上传"
UNREADABLE = "文件无法按 Excel 格式读取（可能已损坏或不完整），请用 Excel/WPS 打开确认后重新另存上传"
PASSWORD = "文件设置了打开密码，请在 Excel/WPS 中取消密码（文件→信息→保护工作簿）后另存再上传"


def truncated_xls(tmp_path):
    path = wb.old_xls_ledger(tmp_path)
    path.write_bytes(path.read_bytes()[:1500])
    return path


def future_zip_version(tmp_path):
    """A central directory asking for zip version 17.2 (zipfile raised NotImplementedError)."""
    path = wb.title_row_ledger(tmp_path)
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    data[central + 6] = 172  # version needed to extract
    path.write_bytes(bytes(data))
    return path


def garbage_inside_zip(tmp_path):
    path = tmp_path / "签约项目台账.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "not xml")
        archive.writestr("xl/workbook.xml", "<<<")
    return path


def binary_csv(tmp_path):
    path = tmp_path / "签约项目台账.csv"
    path.write_bytes(b"\x00\x01\x02" + "项目".encode() + bytes(64))
    return path


def unknown_encoding_csv(tmp_path):
    path = tmp_path / "签约项目台账.csv"
    path.write_bytes("项目名称,签约金额\n".encode("utf-8") + b"\x80\x80,1\n")
    return path


def pdf_file(tmp_path):
    path = tmp_path / "签约项目台账.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(1, 200)))
    return path


@pytest.mark.parametrize(
    "build, message",
    [
        (wb.truncated_xlsx, CORRUPT),
        (future_zip_version, CORRUPT),
        (truncated_xls, UNREADABLE),
        (wb.truncated_formula_xls, UNREADABLE),  # regression: calamine panicked, a BaseException
        (garbage_inside_zip, UNREADABLE),
        (wb.text_renamed_xlsx, "文件扩展名为 .xlsx，但内容不是 Excel 工作簿（可能已损坏或被改名），请用 Excel/WPS 重新另存为 .xlsx"),
        (wb.not_a_workbook_zip, "压缩包中没有 Excel 工作簿内容，不是 .xlsx 文件，请上传 Excel 导出的台账"),
        (wb.empty_file, "文件为空（0 字节），请重新导出后上传"),
        (wb.encrypted_xlsx, PASSWORD),
        (wb.encrypted_xls, PASSWORD),  # regression: was reported as corrupt
        (binary_csv, "不是可识别的表格文件，请上传 .xlsx、.xls 或 .csv 文件"),
        (pdf_file, "不是可识别的表格文件，请上传 .xlsx、.xls 或 .csv 文件"),
        (unknown_encoding_csv, "CSV 文件编码无法识别（既不是 UTF-8 也不是 GBK），请在 WPS/Excel 中另存为 .xlsx"),
    ],
    ids=lambda v: getattr(v, "__name__", "")
)
def test_bad_file_is_one_error_naming_the_file(tmp_path, build, message):
    path = build(tmp_path)
    ledger = read_ledger(path)
    assert [(p.level, p.file, p.sheet, p.row, p.message) for p in ledger.problems] == [
        ("error", path.name, None, None, message),
    ]
    assert ledger.problems[0].text() == f"[错误] 文件「{path.name}」：{message}"
    assert (ledger.ok, ledger.sheets, ledger.rows.height) == (False, [], 0)
    assert ledger.size == path.stat().st_size


def test_zip_bomb_is_refused_on_declared_sizes_before_inflating(tmp_path, monkeypatch):
    path = wb.zip_bomb_xlsx(tmp_path)
    with zipfile.ZipFile(path) as archive:
        declared = sum(i.file_size for i in archive.infolist())
    assert declared > files.MAX_UNZIPPED_BYTES and path.stat().st_size < 10 * 1024 * 1024

    def never(*args, **kwargs):
        raise AssertionError("a member was inflated or parsed")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    monkeypatch.setattr(files.fastexcel, "read_excel", never)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    ledger = read_ledger(path)
    peak_growth_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024

    assert [p.message for p in ledger.problems] == ["文件解压后大小异常（1100 MB，上限 1024 MB），已拒绝读取"]
    assert peak_growth_mib < 100, peak_growth_mib


def test_large_file_is_refused_by_size(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024 * 1024)
    path = tmp_path / "签约项目台账.csv"
    path.write_bytes(b"x" * 2 * 1024 * 1024)
    with pytest.raises(FileRefused, match=re.escape("文件过大（2.0 MB），上限为 1 MB，请按月份拆分后上传")):
        check_file(path, path.read_bytes())


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_too_many_rows_are_refused(tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(files, "MAX_ROWS", 3)
    rows = [wb.SIGNED_HEADER, *wb.signed_rows(*[(f"项目{i}", "临猗县", 1, date(2024, 1, 1), None) for i in range(5)])]
    if fmt == "xlsx":
        path, message = wb.xlsx(tmp_path / "台账.xlsx", {"3月": rows}), "工作表「3月」超过 3 行，请拆分后上传"
    else:
        path, message = wb.csv_file(tmp_path / "台账.csv", rows), "CSV 文件超过 3 行，请拆分后上传"
    assert [p.message for p in read_ledger(path).problems] == [message]


@pytest.mark.parametrize(
    "build, fmt",
    [
        (wb.title_row_ledger, "xlsx"),
        (wb.old_xls_ledger, "xls"),  # an OLE2 file that is not encrypted
        (wb.county_in_file_name_csv, "csv"),
    ],
)
def test_good_files_pass_the_checks(tmp_path, build, fmt):
    path = build(tmp_path)
    assert check_file(path, path.read_bytes()) == fmt


def test_hidden_sheets_are_reported_as_hidden(tmp_path):
    path = wb.xlsx(tmp_path / "台账.xlsx", {
        "3月": [wb.SIGNED_HEADER],
        "旧表": wb.Sheet([wb.SIGNED_HEADER], hidden=True),
    })
    grids = files.read_grids(path, path.read_bytes(), "xlsx")
    assert [(g.name, g.index, g.visible) for g in grids] == [("3月", 0, True), ("旧表", 1, False)]


# ---------------------------------------------------------------- hostile files (issue 17)

SPARSE_BOMB = (
    "工作表「台账」在单元格 XFD1048576 有内容，使表格范围达 1,048,576 行 × 16,384 列，"
    "远超台账大小（可能是误操作留下的内容）；请删除多余的行列后另存再上传"
)


@pytest.mark.parametrize("far, rows", [("XFD1048576", 1_048_576), ("XFD20000", 20_000)])
def test_sparse_grid_bomb_is_refused_before_calamine_builds_the_grid(tmp_path, monkeypatch, far, rows):
    # XFD1048576 made calamine ask for 512 GiB and abort the process; XFD20000 took 11 GB
    path = wb.sparse_bomb_xlsx(tmp_path, far, sheet="台账")
    assert path.stat().st_size < 5000
    monkeypatch.setattr(files.fastexcel, "read_excel", lambda *a, **k: pytest.fail("calamine was reached"))
    ledger = read_ledger(path)
    assert [(p.level, p.file, p.message) for p in ledger.problems] == [
        ("error", path.name, SPARSE_BOMB.replace("XFD1048576", far).replace("1,048,576 行", f"{rows:,} 行")),
    ]


WIDE_HEADER = "".join(wb.text_cell(f"{letter}1", f"列{letter}") for letter in map(chr, range(65, 91)))
WIDE_HEADER += wb.text_cell("AD1", "备注")  # 30 columns: 1,048,576 rows of them pass 20M cells


@pytest.mark.parametrize("far", [
    '<row r="1048576"><c r="XFD1048576" s="3"/></row>',  # a styled empty cell: calamine skips it
    '<row r="1048576" s="3" customFormat="1"/>',  # an empty formatted row
    '<row r="2"><c r="A2" t="inlineStr"><is><t>见 r="XFD1048576"</t></is></c></row>',  # text, not a reference
])
def test_far_references_without_content_do_not_refuse(tmp_path, far):
    path = wb.raw_xlsx(tmp_path / "台账.xlsx", f'<row r="1">{WIDE_HEADER}</row>{far}')
    assert check_file(path, path.read_bytes()) == "xlsx"


def test_far_row_under_a_wide_header_is_refused(tmp_path):
    path = wb.raw_xlsx(tmp_path / "台账.xlsx", f'<row r="1">{WIDE_HEADER}</row><row r="700000"><c r="B700000"><v>1</v></c></row>')
    with pytest.raises(FileRefused, match="在单元格 B700000 有内容，使表格范围达 700,000 行 × 30 列"):
        check_file(path, path.read_bytes())


def test_dimension_claiming_the_whole_sheet_still_loads_cheaply(tmp_path):
    # <dimension> is what the writer claims; only the cells decide the grid
    body = f'<row r="1">{wb.text_cell("A1", "项目名称")}{wb.text_cell("B1", "签约金额")}</row>'
    path = wb.raw_xlsx(tmp_path / "台账.xlsx", body, dimension="A1:XFD1048576")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    grids = files.read_grids(path, path.read_bytes(), check_file(path, path.read_bytes()))
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024 < 50
    assert grids[0].frame.rows() == [("项目名称", "签约金额")]


def test_far_cell_placed_by_the_row_number_alone_is_found(tmp_path, monkeypatch):
    # a cell without r="..." takes its row from <row r>: the row's number counts
    body = (
        f'<row r="1">{wb.text_cell("XFD1", "x")}</row>'
        '<row r="1048576"><c t="inlineStr"><is><t>y</t></is></c></row>'
    )
    path = wb.raw_xlsx(tmp_path / "台账.xlsx", body)
    with pytest.raises(FileRefused, match="使表格范围达 1,048,576 行 × 16,384 列"):
        check_file(path, path.read_bytes())


def test_lying_zip_is_stopped_by_the_bytes_that_really_inflate(tmp_path, monkeypatch):
    # the sheet says 1000 bytes; 2.1 MB of such a zip inflated to 2.2 GB
    monkeypatch.setattr(files, "MAX_UNZIPPED_BYTES", 4 * 1024 * 1024)
    path = wb.lying_zip_xlsx(tmp_path, inflated=8 * 1024 * 1024)
    with zipfile.ZipFile(path) as archive:
        assert sum(i.file_size for i in archive.infolist()) < 10_000
    monkeypatch.setattr(files.fastexcel, "read_excel", lambda *a, **k: pytest.fail("calamine was reached"))
    assert [p.message for p in read_ledger(path).problems] == [
        "文件解压后超过 4 MB（压缩包里声明的大小与实际不符），已拒绝读取"
    ]


def test_lying_zip_under_the_real_limit_stops_without_holding_it(tmp_path):
    path = wb.lying_zip_xlsx(tmp_path, inflated=files.MAX_UNZIPPED_BYTES + 64 * 1024 * 1024)
    data = path.read_bytes()
    assert len(data) < 10 * 1024 * 1024
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(FileRefused, match="文件解压后超过 1024 MB"):
        check_file(path, data)
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024 < 100


def test_small_ledger_is_not_slowed_or_changed_by_the_scan(tmp_path):
    path = wb.offset_table_ledger(tmp_path)
    assert check_file(path, path.read_bytes()) == "xlsx"
    assert read_ledger(path).ok is not None


@pytest.mark.parametrize("claim, short", [((1_048_576, 16_384), False), ((4_000_000_000, 2), False), ((60_000, 65_000), True)])
def test_xls_whose_dimensions_claim_too_much_is_refused(tmp_path, monkeypatch, claim, short):
    # calamine reserves the claimed grid: "memory allocation of 687194767360 bytes failed", abort
    path = wb.far_cell_xls(tmp_path, rows=2, cols=2, claim=claim, short=short)
    monkeypatch.setattr(files.fastexcel, "read_excel", lambda *a, **k: pytest.fail("calamine was reached"))
    assert [p.message for p in read_ledger(path).problems] == [
        f"工作表「3月」记录的表格范围为 {claim[0]:,} 行 × {claim[1]:,} 列，超出 .xls 格式的上限"
        "（65,536 行 × 256 列），文件已损坏；请用 Excel/WPS 打开后另存为 .xlsx 再上传"
    ]


def test_xls_with_a_cell_in_its_last_row_and_column_loads(tmp_path):
    # .xls stops at 65,536 x 256 (16.7M cells, under MAX_GRID_CELLS): calamine builds it
    # (1.6 GB and 1.5 s measured by hand), but it cannot grow past that
    path = wb.far_cell_xls(tmp_path, rows=2_000, cols=256)
    [grid] = files.read_grids(path, path.read_bytes(), check_file(path, path.read_bytes()))
    assert grid.frame.shape == (2_000, 256) and grid.frame["IV"][1999] == "1"


# ---------------------------------------------------------------- text files (issue 17)

COUNTY_ROWS = [
    ["项目名称", "签约金额（万元）", "签约时间"],
    ["苹果深加工项目", "3000", "2024/3/15"],
    ["果汁饮料项目", "1,200", "2024年4月1日"],
]


@pytest.mark.parametrize("name, encoding, delimiter", [
    ("2024年临猗县签约项目台账.txt", "utf-16", "\t"),  # Excel 「Unicode 文本」: UTF-16LE, BOM, TAB
    ("2024年临猗县签约项目台账.csv", "utf-16-le", "\t"),  # the same without a BOM
    ("2024年临猗县签约项目台账.csv", "utf-16-be", ","),
    ("2024年临猗县签约项目台账.csv", "utf-16", ","),
    ("2024年临猗县签约项目台账.txt", "gbk", "\t"),
])
def test_utf16_and_tab_separated_text_loads(tmp_path, name, encoding, delimiter):
    path = wb.csv_file(tmp_path / name, COUNTY_ROWS, encoding, delimiter)
    ledger = read_ledger(path)
    assert [p.message for p in ledger.problems] == []
    assert ledger.rows.select("project_name", "unit_id", "signed_amount_wan").rows() == [
        ("苹果深加工项目", "140821", Decimal("3000")),
        ("果汁饮料项目", "140821", Decimal("1200")),
    ]


@pytest.mark.parametrize("encoding, label", [("big5", "繁体中文 Big5"), ("shift_jis", "日文 Shift-JIS")])
def test_big5_and_shift_jis_are_named_not_misread_as_gbk(tmp_path, encoding, label):
    rows = {
        "big5": [["項目名稱", "所屬縣（市、區）", "簽約金額（萬元）", "簽約時間"], ["蘋果深加工項目", "臨猗縣", "3000", "2024/3/15"]],
        "shift_jis": [["プロジェクト名", "所在地", "契約金額（万円）", "契約日"], ["リンゴ加工", "東京都", "3000", "2024/3/15"]],
    }[encoding]
    path = wb.csv_file(tmp_path / "签约项目台账.csv", rows, encoding)
    assert [p.message for p in read_ledger(path).problems] == [
        f"文件编码为{label}，请在 WPS/Excel 中另存为 .xlsx 或 UTF-8 CSV 后上传"
    ]


def test_runaway_quote_names_the_line_it_starts_on(tmp_path):
    # one stray " at line 12 of 6,001 made csv raise "field larger than field limit"
    rows = [["项目名称", "签约金额（万元）", "签约时间"]] + [[f"光伏组件项目{i}", "100", "2024/3/15"] for i in range(6000)]
    path = wb.csv_file(tmp_path / "2024年临猗县签约项目台账.csv", rows)
    lines = path.read_bytes().split(b"\r\n")
    lines[11] = b'"' + lines[11]
    path.write_bytes(b"\r\n".join(lines))
    ledger = read_ledger(path)
    assert [(p.file, p.message) for p in ledger.problems] == [(
        path.name,
        "第 12 行起有一个未闭合的英文双引号，其后 5,989 行被读成了一个单元格；请删除或补全该行的引号后另存再上传",
    )]


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_far_cell_is_found_wherever_the_inflated_chunks_break(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(xlsx_scan, "CHUNK", chunk)
    def rows(first, last):
        return "".join(f'<row r="{i}">{wb.text_cell(f"A{i}", "项目")}{wb.text_cell(f"B{i}", "100")}</row>' for i in range(first, last))

    far = '<row r="300"><c r="XFD300"><v>1</v></c></row>'
    path = wb.raw_xlsx(tmp_path / "台账.xlsx", rows(1, 300) + far + rows(301, 1500))
    # the grid passes 20M cells at row 1221, but the stray cell is the one to name
    with pytest.raises(FileRefused, match="在单元格 XFD300 有内容，使表格范围达 1,221 行 × 16,384 列"):
        check_file(path, path.read_bytes())


def test_gbk_with_characters_outside_gb2312_is_still_gbk(tmp_path):
    # 堃 and 燚 (common in company names) are GBK but not GB2312; they must not look like Big5
    rows = [*COUNTY_ROWS, ["堃燚新材料项目", "500", "2024/5/1"], ["喆犇物流项目", "600", "2024/5/2"]]
    path = wb.csv_file(tmp_path / "2024年临猗县签约项目台账.csv", rows, "gbk")
    ledger = read_ledger(path)
    assert [p.message for p in ledger.problems] == []
    assert ledger.rows["project_name"].to_list()[2:] == ["堃燚新材料项目", "喆犇物流项目"]


def test_xls_cell_past_the_last_column_is_refused(tmp_path, monkeypatch):
    path = wb.damaged_column_xls(tmp_path)
    monkeypatch.setattr(files.fastexcel, "read_excel", lambda *a, **k: pytest.fail("calamine was reached"))
    assert [p.message for p in read_ledger(path).problems] == [
        "工作表「3月」在单元格 BQQV2（第 47,108 列）有内容，超出 .xls 格式的 256 列上限，文件已损坏；"
        "请用 Excel/WPS 打开后另存为 .xlsx 再上传"
    ]


def test_fuzzed_workbooks_are_read_or_refused_never_raised(tmp_path):
    """Random byte damage to a small .xlsx and .xls: each read ends in a ledger. With this
    seed, a zip version byte raised NotImplementedError before, and try 45 (an .xls cell
    moved to column 47,108) aborted the process."""
    rng = random.Random(2)
    seeds = {"xlsx": wb.title_row_ledger(tmp_path).read_bytes(), "xls": wb.old_xls_ledger(tmp_path).read_bytes()}
    for _ in range(60):
        kind = rng.choice(list(seeds))
        data = bytearray(seeds[kind])
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        read_ledger(tmp_path / f"台账.{kind}", data=bytes(data))


def test_xls_header_counts_past_the_file_are_refused(tmp_path, monkeypatch):
    # one byte of the mini-FAT sector count (found by fuzzing) made calamine ask for 11 GB
    path = wb.old_xls_ledger(tmp_path)
    data = bytearray(path.read_bytes())
    data[65] = 0xAE  # header: number of mini-FAT sectors, now 44,544 in a 5.5 KB file
    path.write_bytes(bytes(data))
    monkeypatch.setattr(files.fastexcel, "read_excel", lambda *a, **k: pytest.fail("calamine was reached"))
    assert [p.message for p in read_ledger(path).problems] == [
        "文件已损坏（文件头记录的结构与文件大小不符），请用 Excel/WPS 打开后另存为 .xlsx 再上传"
    ]


def test_zip_member_offset_before_the_file_is_refused_not_raised(tmp_path):
    # found by fuzzing: the end record's directory offset, too large by a million, puts
    # every member a million bytes before the file; struct.error escaped
    path = wb.title_row_ledger(tmp_path)
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    offset = int.from_bytes(data[end + 16 : end + 20], "little")
    data[end + 16 : end + 20] = (offset + 1_000_000).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    ledger = read_ledger(path)
    assert ledger.ok is False and len(ledger.problems) == 1
