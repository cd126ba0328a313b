"""Metric definitions: the one place that says what each figure means.

The SQL that computes them starts from v_signed_projects (sql/views) and sums its
per-project columns; the UI shows `definition` as each figure's tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # 个 | 亿元 | %
    definition: str


METRICS = {
    m.key: m
    for m in (
        Metric("signed_projects", "签约项目数", "个", "所选期间内签约的项目个数；同一项目只在首次签约时计一次，累计台账重复列出的项目不重复计数。"),
        Metric("signed_amount_yi", "签约金额", "亿元", "所选期间内签约项目的签约金额之和（亿元）；金额待定的项目计入个数、不计入金额。"),
        Metric("started_projects", "开工项目数", "个", "所选期间内签约、且截至数据日期已开工的项目个数。"),
        Metric("start_rate", "签约项目开工率", "%", "签约项目开工率 = 所选期间签约且截至数据日期已开工的项目数 ÷ 所选期间签约项目数。按签约批次计算，随时间推移会上升，须与“数据截至”日期一起解读。"),
        Metric("started_planned_investment_yi", "新开工项目计划投资额", "亿元", "上述已开工项目的计划总投资之和（亿元），取开工台账最新填报值。"),
        Metric("funds_in_place_yi", "资金到位额", "亿元", "所选期间签约项目最新填报的累计到位资金之和（亿元）。"),
        Metric("funds_rate", "资金到位率", "%", "资金到位率 = 资金到位额 ÷ 签约金额（分母为所选期间签约项目的签约金额）。"),
        Metric("projects_over_1yi", "亿元以上项目", "个", "签约金额 1 亿元及以上的项目个数。"),
        Metric("target_completion", "目标完成率", "%", "目标完成率 = 当年1月至所选截止月的累计完成值 ÷ 年度目标；目标按全市或县（市、区）设定，不分产业链。"),
        Metric("produced_projects", "投产项目数", "个", "所选期间内签约、截至数据日期已开工且已投产的项目个数；只有台账填报了“是否投产”或投产时间的项目才能确认投产。"),
        Metric("days_to_start", "签约至开工天数", "天", "已开工项目从签约日期到开工日期的天数，未填报开工日期的已开工项目不计；中位数表示一半项目在此天数内开工。"),
        Metric("warning_red", "红色预警", "个", "签约后达到红色预警天数仍未开工的项目个数；天数 = 数据截至日期 − 签约日期，阈值在本页“预警阈值”中设置。"),
        Metric("warning_yellow", "黄色预警", "个", "签约后达到黄色预警天数、未达红色预警天数且仍未开工的项目个数；天数 = 数据截至日期 − 签约日期。"),
        Metric("chain_share", "金额占比", "%", "该产业链签约金额 ÷ 所选期间、所选县区全部产业链的签约金额（产业链筛选不缩小分母）。"),
        Metric("location_quotient", "区位商（LQ）", "", "区位商 LQ =（该县区该产业链签约金额 ÷ 该县区签约总额）÷（全市该产业链签约金额 ÷ 全市签约总额），大于 1 表示该产业链在该县区的比重高于全市平均，即相对集聚。"),
        Metric("hhi", "产业集中度（HHI）", "", "产业集中度 HHI = 该县区各产业链签约金额占比的平方和，取值 0–1，越接近 1 表示签约金额越集中于少数产业链（1 表示全部集中在一条产业链）。"),
        Metric("new_leads", "新增线索", "个", "所选期间录入线索库的项目个数（按录入时间；台账未填录入时间的，按首次列入线索台账的数据日期）。"),
        Metric("new_negotiations", "新增洽谈", "个", "所选期间开始洽谈的项目个数（按首次洽谈时间；台账未填的，按首次列入洽谈台账的数据日期）。"),
        Metric("new_starts", "期内开工", "个", "所选期间实际开工的项目个数（按开工时间，不论何时签约）；与按签约批次统计的“开工项目数”不同。"),
        Metric("new_production", "新增投产", "个", "所选期间投产的项目个数（按开工台账填报的投产时间）。"),
        Metric("library_projects", "在库项目数", "个", "截至数据日期处于该库的项目个数：线索库 = 已录入、尚未洽谈；洽谈库 = 已洽谈、未签约；签约库 = 已签约、未开工；开工库 = 已开工、未投产；已终止 = 线索或洽谈台账注明终止、放弃、退出或不再跟进的项目，不再计入各库。"),
        Metric("library_amount_yi", "在库金额", "亿元", "该库项目的金额之和（亿元）：线索、洽谈和已终止按拟（意向）投资额，签约库按签约金额，开工和投产按计划总投资；未填金额的项目不计入金额。"),
        Metric("lead_to_negotiation_rate", "线索转洽谈率", "%", "所选期间录入的线索中，截至数据日期已进入洽谈（或已签约）的比例。按线索批次计算，随时间推移会上升，须与“数据截至”日期一起解读。"),
        Metric("negotiation_to_signed_rate", "洽谈转签约率", "%", "所选期间录入、已进入洽谈的线索中，截至数据日期已签约的比例。"),
        Metric("lead_to_signed_rate", "线索签约率", "%", "线索签约率 = 所选期间录入的线索中截至数据日期已签约的项目数 ÷ 所选期间录入的线索数。"),
        Metric("lead_signed_to_started_rate", "签约转开工率", "%", "所选期间录入、已签约的线索项目中，截至数据日期已开工的比例。"),
        Metric("started_to_producing_rate", "开工转投产率", "%", "所选期间录入、已签约并开工的线索项目中，截至数据日期已投产的比例；以开工台账填报的投产情况为准。"),
        Metric("stage_days", "阶段停留天数", "天", "项目在一个阶段停留的天数：线索 = 录入至首次洽谈，洽谈 = 首次洽谈至签约，签约 = 签约至开工，开工 = 开工至投产。“已完成”统计所选期间离开该阶段的项目（中位数及上下四分位数）；“在库”统计目前仍在该阶段的项目截至数据日期已停留天数的中位数。"),
        Metric("pipeline_warning_red", "红色预警", "个", "在当前阶段停留天数达到该阶段红色预警天数的项目个数（预警标准见本页，来自 data/reference/city.toml）。已终止的项目不预警；开工库只对台账填报了“是否投产”的项目预警。"),
        Metric("pipeline_warning_yellow", "黄色预警", "个", "在当前阶段停留天数达到该阶段黄色预警天数、未达红色预警天数的项目个数。"),
        Metric("bulletin_new", "新增预警", "个", "本期有、上一期没有的预警；同一项目进入下一阶段后又超期，按新增计。第1期全部为新增。"),
        Metric("bulletin_persisting", "持续预警", "个", "上一期已有、本期仍在的预警（可能由黄色升为红色）。"),
        Metric("bulletin_resolved", "已解除预警", "个", "上一期有、本期没有的预警：项目进入了下一阶段、被注明终止，或台账更正。"),
        Metric("name_similarity", "名称相似度", "%", "同一县（市、区）两个项目名称（去掉空格、“有限公司”“集团”和末尾“项目”后）的 Jaro-Winkler 相似度，1 为完全相同；一方名称包含另一方的也列入。名称中的数字不同（如年产5万吨与50万吨）的不列入。"),
    )
}

# the six headline figures, in the order the overview and the wall display show them
HEADLINE = (
    "signed_projects",
    "signed_amount_yi",
    "started_projects",
    "start_rate",
    "started_planned_investment_yi",
    "funds_in_place_yi",
)
SIZE_BANDS = ("1亿元以下", "1-10亿元", "10-50亿元", "50亿元及以上")


def yi(wan) -> Decimal:
    """万元 -> 亿元, rounded half-up to two decimals as the city reports them."""
    return (Decimal(wan or 0) / Decimal(10000)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def ratio(numerator, denominator, places: int = 4) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
