"""数据上传: staff drop ledgers, see how each was understood and every problem with its
cell, correct what was misdetected, and load a clean file."""

from pathlib import Path

import polars as pl
import streamlit as st

from etl.header import ColumnGuess
from etl.read import KIND_NAMES
from base.config import ROOT
from base.reference import load_reference
from ui import data, reporting, upload
from ui.auth import client_ip, page_user
from ui.format import md_text
from ui.table import XLSX, table
from ui.upload_report import error_report, report_name
from warehouse.db import WarehouseBusy, WriteFailed

TEMPLATES = ROOT / "data" / "templates"
TEMPLATE_FILES = ("签约项目台账模板.xlsx", "开工项目台账模板.xlsx")
MONEY_UNIT_LABELS = {None: "按表头识别", "万元": "全部按万元", "亿元": "全部按亿元"}
DATE = st.column_config.DateColumn(format="YYYY-MM-DD")
AMOUNT = st.column_config.NumberColumn(format="localized")  # as read, without padding zeros

st.title("数据上传")
user = page_user()
# an uploader may load rows of their own units only; rows of any other unit are errors
allowed_units = None if user.can("admin") else set(user.units)
unit_names = {u.unit_id: u.name for u in load_reference().units}
st.caption(
    "可上报：" + ("全部县（市、区）和开发区" if allowed_units is None else "、".join(unit_names.get(u, u) for u in user.units))
    + "。每个文件要么全部导入，要么不导入；导入前先检查，有错误的文件不能导入。"
)

with st.expander("空白模板与文件要求", icon=":material/description:"):
    st.write("按模板填写可避免大部分错误：表头写在一行，金额单位写在表头中，如“签约金额（万元）”。")
    for column, name in zip(st.columns(len(TEMPLATE_FILES)), TEMPLATE_FILES):
        column.download_button(
            f"下载{name.removesuffix('.xlsx')}",
            data=(TEMPLATES / name).read_bytes(),
            file_name=name,
            mime=XLSX,
            icon=":material/download:",
            on_click="ignore",
            key=f"template-{name}",
        )
    st.write(upload.limits_text())

with st.expander("报送进度与本月无新增", icon=":material/event_available:"):
    if data.available():
        reporting.board(() if allowed_units is None else tuple(sorted(allowed_units)))
        reporting.nil_report_form(user)
    else:
        st.caption("数据仓库尚未建立。")

st.html(upload.uploader_css())
uploads = st.file_uploader(
    "选择或拖入台账文件（可一次选择多个）",
    type=None,  # any file: upload.refusal says in Chinese which ones are not ledgers
    accept_multiple_files=True,
    key="upload_files",
    help="支持 Excel（.xlsx、.xls）和 WPS 另存的 CSV（UTF-8 或 GBK 编码）。" + upload.limits_text(),
)
if not uploads:
    st.info("上传后会先显示识别结果和问题清单，确认无误再点击“导入数据仓库”。")
    st.stop()

AUTO = {"kind": None, "period": None, "money_unit": None}  # read as detected
reads = st.session_state.setdefault("upload_reads", {})  # file id -> {read key: Ledger}
results = st.session_state.setdefault("upload_results", {})  # (file id, read key) -> LoadResult
# (file id, read key, warehouse version) -> what the import would change; a load elsewhere
# changes the version, so the prediction is made again against what is stored then
predictions = st.session_state.setdefault("upload_predictions", {})
# file id -> mappings remembered for its units, looked up once: the file's own commit adds
# to them, and must not change how the file on screen is read
remembered_of = st.session_state.setdefault("upload_remembered", {})
# forget files taken off the uploader: a read ledger holds every row of its file
current = {u.file_id for u in uploads}
for gone in [f for f in reads if f not in current]:
    del reads[gone]
for gone in [k for k in results if k[0] not in current]:
    del results[gone]
for gone in [k for k in predictions if k[0] not in current]:
    del predictions[gone]
for gone in [f for f in remembered_of if f not in current]:
    del remembered_of[gone]


def read_key(options: dict) -> tuple:
    return tuple(sorted(options.items(), key=lambda kv: kv[0]))


def read_once(file_id: str, name: str, data: bytes, options: dict, progress):
    """Read with these options unless this session already did (reruns are frequent);
    the progress of a read is drawn in `progress`, a fixed place above the corrections."""
    key = read_key(options)
    cached = reads.setdefault(file_id, {})
    if key not in cached:
        with progress, st.status(f"正在读取（{upload.size_text(len(data))}）…", expanded=True) as status:
            st.write("1/3 检查文件格式和大小")
            st.write("2/3 查找每个工作表的表头，逐行解析金额、日期和县（市、区）")
            ledger = upload.read(name, data, allowed_units=allowed_units, **options)
            st.write("3/3 检查必填项、合计行和重复项目")
            status.update(
                label=f"读取完成：{ledger.rows.height} 个项目行，{len(ledger.errors)} 处错误，{len(ledger.warnings)} 条警告",
                state="error" if ledger.errors else "complete",
                expanded=False,
            )
        cached[key] = ledger
        # keep the detected reading and the latest correction (confirmed or not) only
        unconfirmed = read_key({k: v for k, v in options.items() if k != "confirm_amounts"})
        for stale in [k for k in cached if k not in (key, unconfirmed, read_key(AUTO))]:
            del cached[stale]
    return key, cached[key]


def predicted(file_id: str, key: tuple, ledger):
    """The prediction of this reading against the warehouse as it is now (computed once)."""
    version = data.version()
    if (file_id, key, version) not in predictions:
        for stale in [k for k in predictions if k[:2] == (file_id, key)]:
            del predictions[stale]
        predictions[(file_id, key, version)] = upload.prediction(ledger)
    return predictions[(file_id, key, version)]


def corrections(file_id: str, detected) -> dict:
    """Widgets to override what was detected; returns read_ledger's override arguments."""
    with st.expander("识别有误？更正台账类型、报表期间或金额单位", icon=":material/edit:", key=f"corrections-{file_id}"):
        kind = st.selectbox(
            "台账类型",
            upload.KIND_CHOICES,
            format_func=lambda k: f"自动识别（{upload.kind_label(detected.kind)}）" if k is None else f"{KIND_NAMES[k]}台账",
            key=f"kind-{file_id}",
        )
        period = None
        year, first, last = upload.months_of(detected.period)
        if st.toggle(
            "指定报表期间",
            key=f"set-period-{file_id}",
            help=f"自动识别为：{detected.period.label if detected.period else '未识别'}（取自文件名、标题或工作表名）",
        ):
            year = st.number_input("年份", min_value=2000, max_value=2100, value=year, step=1, key=f"year-{file_id}")
            first, last = st.select_slider(
                "月份（累计台账选 1 月到截止月）",
                options=list(range(1, 13)),
                value=(first, last),
                format_func=lambda m: f"{m}月",
                key=f"months-{file_id}",
            )
            period = upload.period_of(int(year), first, last)
        money_unit = st.selectbox(
            "金额单位",
            upload.MONEY_UNIT_CHOICES,
            format_func=MONEY_UNIT_LABELS.get,
            key=f"unit-{file_id}",
            help="表头未写单位时按万元处理；整张表都是亿元时可在此指定。",
        )
    return {"kind": kind, "period": period, "money_unit": money_unit}


def column_fields(file_id: str, headers: list[str], detected, remembered: dict) -> dict[str, str]:
    """A selectbox per header of the file to set the field it is read as; returns
    header -> field of those the uploader set (None in a box: as read or remembered)."""
    found = upload.read_as(detected)

    def kept(header: str) -> str:
        if header in remembered:
            return f"{upload.CONFIRMED}：{upload.field_choice_label(remembered[header].field)}"
        return f"自动：{upload.field_choice_label(found[header])}" if header in found else f"自动：{upload.IGNORED}"

    given = {}
    with st.expander("列对应有误？逐列指定字段", icon=":material/table_rows:", key=f"fields-{file_id}"):
        st.caption("表头没有被识别或识别错时，在此指定该列是哪个字段；导入后记住，本单位下次上传同样的表头时自动采用。")
        boxes = st.columns(3)
        for i, header in enumerate(headers):
            fld = boxes[i % 3].selectbox(
                md_text(header),  # the file's text: no Markdown
                upload.FIELD_CHOICES,
                format_func=lambda f, h=header: kept(h) if f is None else upload.field_choice_label(f),
                key=f"field-{file_id}-{header}",
            )
            if fld is not None:
                given[header] = fld
    return given


def show_file(uploaded) -> None:
    file_id = uploaded.file_id
    st.text(f"{uploaded.name}（{upload.size_text(uploaded.size)}）")
    refusal = upload.refusal(uploaded.name, uploaded.size)
    if refusal:
        st.error(refusal, icon=":material/block:")
        return
    data = uploaded.getvalue()
    progress = st.empty()
    _, detected = read_once(file_id, uploaded.name, data, AUTO, progress)
    headers = upload.file_headers(detected)
    if file_id not in remembered_of:
        # an uploader's own units; for an administrator, the units the file's rows name
        units = allowed_units if allowed_units is not None else set(detected.rows.get_column("unit_id").drop_nulls())
        remembered_of[file_id] = upload.remembered_mapping(units, headers)
    options = corrections(file_id, detected)
    given = column_fields(file_id, headers, detected, remembered_of[file_id])
    # a mapping given in this upload wins over one remembered for the unit
    remembered = {h: r for h, r in remembered_of[file_id].items() if h not in given}
    mapping = {**{h: r.field for h, r in remembered.items()}, **given}
    if mapping:  # only when set: a file read as detected keeps the read key it always had
        options["mapping"] = tuple(sorted(mapping.items()))
    key, ledger = read_once(file_id, uploaded.name, data, options, progress)
    implausible = ledger.implausible_amounts()
    if implausible and st.checkbox(
        f"我已逐项核实上述 {len(implausible)} 个可能填错单位的金额无误（记入审计日志）",
        key=f"confirm-amounts-{file_id}",
        help="只有确实无误（而不是把万元填成了亿元）时才勾选；勾选后这些金额按警告处理，可以导入。",
    ):
        key, ledger = read_once(file_id, uploaded.name, data, {**options, "confirm_amounts": True}, progress)
    refused = upload.file_refused(ledger)
    if refused:
        st.error(refused, icon=":material/block:")

    # a wrapping row: four across on a PC, two by two on a phone
    with st.container(horizontal=True, gap="medium"):
        st.metric("台账类型", upload.kind_label(ledger.kind), width="content", help="由标题、工作表名、文件名或表头判断；可在上方更正。")
        st.metric("报表期间", ledger.period.label if ledger.period else "未识别", width="content", help="取读取的工作表中最晚的期间；可在上方更正。")
        st.metric("项目行数", f"{ledger.rows.height:,}", width="content", help="将导入的项目行数（不含表头、合计、小计、分组和表尾行）。")
        st.metric(
            "错误 / 警告", f"{len(ledger.errors)} / {len(ledger.warnings)}", width="content",
            help="有错误的文件不能导入；警告不影响导入，但请核实。",
        )

    stem = Path(uploaded.name).stem
    problems = upload.problems_frame(ledger)
    prediction = predicted(file_id, key, ledger)
    tabs = st.tabs(
        [f"问题清单（{problems.height}）", "工作表", "列对应", f"数据预览（{ledger.rows.height}）",
         upload.changes_label(prediction)],
        key=f"tabs-{file_id}",
    )
    with tabs[0]:
        if ledger.errors:
            st.error(f"发现 {len(ledger.errors)} 处错误，修正前不能导入。可下载错误报告，按标出的单元格修改后重新上传。")
        elif ledger.warnings:
            st.warning(f"没有错误，有 {len(ledger.warnings)} 条警告：可以导入，但请核实。")
        else:
            st.success("没有发现问题。")
        if any(isinstance(p, ColumnGuess) for p in ledger.errors):
            st.info("也可以不改文件：在上方「列对应有误？逐列指定字段」中把该列指定为所缺的字段。")
        if problems.height:
            table(problems, f"{stem}_问题清单", title=f"{uploaded.name} 问题清单", key=f"problems-{file_id}")
            st.download_button(
                "下载错误报告（在原表中标出问题单元格）",
                data=lambda: error_report(ledger, data),
                file_name=report_name(uploaded.name),
                mime=XLSX,
                icon=":material/report:",
                on_click="ignore",
                key=f"report-{file_id}",
            )
    with tabs[1]:
        table(upload.sheets_frame(ledger), f"{stem}_工作表", key=f"sheets-{file_id}")
    with tabs[2]:
        st.caption("每个表头被识别为哪个字段；金额统一换算为万元保存。")
        if remembered:
            st.caption(upload.remembered_caption(remembered, unit_names))
        table(upload.columns_frame(ledger, remembered), f"{stem}_列对应", key=f"columns-{file_id}")
    with tabs[3]:
        preview = upload.preview_frame(ledger)
        table(
            preview,
            f"{stem}_预览",
            title=f"{uploaded.name} 解析结果",
            key=f"preview-{file_id}",
            column_config={c: DATE if dtype == pl.Date else AMOUNT for c, dtype in preview.schema.items() if dtype == pl.Date or c.endswith("（万元）")},
        )
    duplicate = upload.duplicate_message(prediction)
    with tabs[4]:
        if duplicate:
            st.info(duplicate)
        elif prediction is None:
            st.caption("数据仓库尚未建立：文件中的项目都将新增。")
        else:
            st.caption("与数据仓库中已导入的全部数据（含尚未发布的月份）比较；导入后可在「数据管理」中查看实际变更记录。")
            changes = upload.changes_frame(prediction)
            if changes.height:
                table(changes, f"{stem}_导入后的变化", title=f"{uploaded.name} 导入后的变化", key=f"changes-{file_id}")
            else:
                st.success("导入后不会改变任何项目。")
        ignored = upload.ignored_frame(ledger)
        if ignored.height:
            st.caption(f"以下 {ignored.height} 列的表头未识别为任何字段，导入时忽略：")
            table(ignored, f"{stem}_忽略的列", key=f"ignored-{file_id}")

    result = results.get((file_id, key))
    if result is None:
        if duplicate:
            st.warning(duplicate)
        elif not ledger.errors:
            st.caption(upload.change_summary(prediction, ledger))
    if st.button(
        "导入数据仓库",
        type="primary",
        icon=":material/upload:",
        disabled=bool(ledger.errors) or bool(duplicate) or result is not None,
        key=f"commit-{file_id}",
        help="有错误时不能导入。" if ledger.errors else "已导入过，无需再导入。" if duplicate
        else "整个文件一次导入；其他人同时导入时会排队，不会互相覆盖。",
    ):
        with st.status("正在导入…", expanded=True) as status:
            st.write("等待其他导入完成（导入逐个进行）")
            try:
                result = upload.commit(ledger, data, user, client_ip(), dict(key))
            except (WarehouseBusy, WriteFailed) as failed:  # a full disk, a queue too long: the cause
                status.update(label="未导入", state="error")
                st.error(str(failed))
                return
            st.write("已写入并重新计算项目")
            status.update(label="导入完成", state="complete", expanded=False)
        results[(file_id, key)] = result
        st.rerun()  # draw the page again with this file's button disabled and its result
    if result is not None:
        level, text = upload.result_message(result)
        getattr(st, level)(text)


for uploaded in uploads:
    with st.container(border=True):
        show_file(uploaded)
