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
    )
}

SIZE_BANDS = ("1亿元以下", "1-10亿元", "10-50亿元", "50亿元及以上")


def yi(wan) -> Decimal:
    """万元 -> 亿元, rounded half-up to two decimals as the city reports them."""
    return (Decimal(wan or 0) / Decimal(10000)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def ratio(numerator, denominator, places: int = 4) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
