#!/usr/bin/env python3
"""Deterministic generator of the sample ledgers (data/sample/) and blank templates (data/templates/).

    .venv/bin/python scripts/make_sample.py                 # check the figures, write the files
    .venv/bin/python scripts/make_sample.py --check         # only build the model and check
    .venv/bin/python scripts/make_sample.py --sample-dir /tmp/s --templates-dir /tmp/t

One in-memory model of projects (signed in 2023, 2024 and January-September 2025, their
starts, planned investment and funds in place, and their 四库 history: leads and negotiations
before the signings, leads that never progress, production), written out in the layouts staff really send
(see data/sample/README.md, written by this script). Before anything is written, the city's
2024 headline figures are recomputed from the cells exactly as they will be written (name
variants, unit short forms, amounts in 亿元 or as text, dates as text) with the loader's identity
rules, and asserted, so a change here cannot silently break them.

Everything city-specific (units, aliases, adcodes, chains, the city's name) comes from
data/reference/ through base.reference.load_reference(). The tables below (unit weights, chain
affinities, name templates) only shape plausible sample data; keys missing from the reference
are ignored, units or chains missing from the tables get neutral weights.

Same seed, same cells: no clock, no network, no iteration over hashed sets. The .xlsx files are
re-zipped with fixed timestamps so that a second run is byte-identical too.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import random
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from base.reference import Reference, Unit, load_reference  # noqa: E402

SEED = 20250930
AS_OF = dt.date(2025, 9, 30)  # data date of the whole sample
FIXED_TIME = (2025, 10, 1, 0, 0, 0)  # zip entry and docProps timestamps
SAMPLE_DIR = ROOT / "data" / "sample"
TEMPLATES_DIR = ROOT / "data" / "templates"

# Signed projects per year. bands = number of projects <1 亿, 1-10 亿, 10-50 亿, >=50 亿;
# amount = exact sum in 万元 (integers everywhere, so 亿元 values have at most 4 decimals).
YEARS = {
    2023: dict(bands=(312, 160, 41, 6), amount=21_665_000, last_month=12),
    2024: dict(bands=(311, 164, 55, 9), amount=31_269_500, last_month=12),
    2025: dict(bands=(236, 122, 38, 6), amount=19_036_800, last_month=9),
}
# The 2024 headline figures (docs/domain.md), as of AS_OF.
TARGET_2024 = dict(signed=539, amount=31_269_500, started=443, planned=5_469_800, funds=1_571_900)
TARGET_2023 = dict(signed=519, amount=21_665_000)
BAND_BOUNDS = ((300, 9_999), (10_000, 99_999), (100_000, 499_999), (500_000, 1_200_000))
FIT_BOUNDS = ((300, 9_999), (10_000, 98_000), (100_000, 480_000), (500_000, 1_200_000))

# Started ledgers (key -> as-of date). A project appears on the ledgers of its start period;
# 2024 starts of the 2024 cohort may be re-listed in 2025 with a larger cumulative 到位资金.
LEDGER_AS_OF = {
    "S2023": dt.date(2023, 12, 31),
    "S2024H1": dt.date(2024, 6, 30),
    "S2024": dt.date(2024, 12, 31),
    "S2025": AS_OF,
}

# ------------------------------------------------------------------ shaping tables

UNIT_WEIGHT = {  # by unit name; zones together ~15 %
    "盐湖区": 1.5, "临猗县": 1.0, "万荣县": 0.8, "闻喜县": 1.0, "稷山县": 0.8, "新绛县": 0.9,
    "绛县": 0.8, "垣曲县": 0.8, "夏县": 0.7, "平陆县": 0.8, "芮城县": 0.9, "永济市": 1.1,
    "河津市": 1.1, "运城经济技术开发区": 0.7, "运城空港经济开发区": 0.4,
    "盐湖高新技术产业开发区": 0.3, "绛县经济开发区": 0.3, "风陵渡经济开发区": 0.25,
    "永济经济技术开发区": 0.2,
}
CHAIN_BASE = {
    "铝镁精深加工": 1.0, "铜基新材料": 0.5, "碳基新材料": 0.6, "智能网联汽车": 0.7, "新能源": 3.0,
    "电子信息": 0.8, "生物医药大健康": 0.8, "高端装备制造": 1.0, "食品加工": 1.2, "消费品工业": 0.8,
    "其他": 0.12,
}
CHAIN_BOOST = {  # unit name -> chain -> multiplier (铝镁 in 河津/平陆/闻喜, 铜 in 垣曲, food in farm counties)
    "盐湖区": {"电子信息": 2.5, "生物医药大健康": 2.0, "智能网联汽车": 1.5, "其他": 1.5},
    "临猗县": {"食品加工": 4.0},
    "万荣县": {"食品加工": 3.5, "新能源": 1.3},
    "闻喜县": {"铝镁精深加工": 4.0},
    "稷山县": {"食品加工": 2.5, "高端装备制造": 1.5},
    "新绛县": {"碳基新材料": 3.0, "铝镁精深加工": 1.5, "生物医药大健康": 1.5},
    "绛县": {"智能网联汽车": 2.5, "高端装备制造": 2.0},
    "垣曲县": {"铜基新材料": 6.0},
    "夏县": {"食品加工": 2.0, "消费品工业": 2.0},
    "平陆县": {"铝镁精深加工": 4.0, "新能源": 1.5},
    "芮城县": {"新能源": 2.5, "生物医药大健康": 1.5, "食品加工": 1.5},
    "永济市": {"高端装备制造": 3.0, "食品加工": 1.5, "智能网联汽车": 1.5},
    "河津市": {"铝镁精深加工": 4.0, "碳基新材料": 3.0},
    "运城经济技术开发区": {"高端装备制造": 2.5, "电子信息": 2.5, "智能网联汽车": 2.0},
    "运城空港经济开发区": {"电子信息": 2.0, "生物医药大健康": 2.0, "其他": 3.0},
    "盐湖高新技术产业开发区": {"生物医药大健康": 3.0, "电子信息": 2.0},
    "绛县经济开发区": {"智能网联汽车": 3.0, "高端装备制造": 2.0},
    "风陵渡经济开发区": {"食品加工": 2.0, "生物医药大健康": 2.0, "新能源": 1.5},
    "永济经济技术开发区": {"高端装备制造": 3.0},
}
BAND_CHAIN_BOOST = (  # size band -> chain multiplier; the >=50 亿 band is mostly energy/storage
    {"食品加工": 1.6, "消费品工业": 1.6, "新能源": 0.6},
    {},
    {"新能源": 2.0, "铝镁精深加工": 1.5, "碳基新材料": 1.5, "铜基新材料": 1.5, "其他": 0.3},
    {"新能源": 40.0, "铝镁精深加工": 1.5, "碳基新材料": 1.5, "食品加工": 0.0, "消费品工业": 0.0,
     "其他": 0.0, "生物医药大健康": 0.2},
)
# chain -> [(display alias, name pattern, n per 亿元, plausible amount range in 亿元)];
# {n} scales with the amount, {m} = 2n
TEMPLATES = {
    "铝镁精深加工": [
        ("铝镁", "年产{n}万吨高性能铝合金型材项目", 0.5, 0.5, 30), ("铝镁", "年产{n}万吨再生铝项目", 1.0, 1, 40),
        ("镁基新材料", "年产{n}万吨镁合金压铸件项目", 0.3, 0.3, 20), ("铝镁", "年产{n}吨铝制品加工项目", 5000, 0.03, 1), ("铝镁", "年产{n}万吨电池铝箔项目", 0.4, 2, 60),
        ("铝镁合金", "年产{n}万件汽车轻量化铝合金轮毂项目", 20, 0.5, 20),
        ("铝镁", "年产{n}万吨铝棒熔铸项目", 1.5, 0.3, 20),
        ("铝镁", "{n}万吨高端铝材精深加工产业园项目", 0.4, 20, 150)],
    "铜基新材料": [
        ("铜基", "年产{n}万吨高精度铜板带项目", 0.4, 1, 50), ("铜基", "年产{n}万吨电解铜箔项目", 0.2, 5, 80),
        ("铜材", "年产{n}万吨铜杆铜线项目", 1.0, 0.3, 20), ("铜基", "年产{n}吨铜合金精密铸件项目", 200, 0.03, 3)],
    "碳基新材料": [
        ("碳基", "年产{n}万吨高端石墨电极项目", 0.5, 1, 40), ("碳基", "年产{n}万吨锂电池负极材料项目", 0.5, 2, 120),
        ("碳基", "年产{n}万吨针状焦项目", 1.0, 2, 40), ("新型碳材料", "年产{n}吨碳纤维复合材料项目", 100, 0.1, 10),
        ("石墨烯", "年产{n}吨石墨烯导电浆料项目", 500, 0.03, 5)],
    "智能网联汽车": [
        ("汽车零部件", "年产{n}万套汽车零部件项目", 10, 0.03, 10),
        ("新能源汽车", "年产{n}万台新能源汽车驱动电机项目", 3, 1, 30),
        ("汽车零部件", "年产{n}万套汽车线束项目", 20, 0.03, 5),
        ("新能源汽车", "年产{n}万辆电动专用车项目", 0.2, 5, 150),
        ("智能网联汽车", "智能网联汽车测试基地项目", None, 1, 30)],
    "新能源": [
        ("储能", "{n}MW/{m}MWh独立储能电站项目", 25, 0.5, 150), ("光伏", "{n}MW农光互补光伏发电项目", 25, 1, 150),
        ("风电", "{n}MW风电项目", 15, 2, 150), ("氢能", "年产{n}万吨绿氢制备项目", 0.1, 10, 150),
        ("光伏", "年产{n}GW高效光伏组件项目", 0.05, 10, 150), ("光伏", "{n}MW分布式光伏项目", 30, 0.03, 3),
        ("新型储能", "年产{n}GWh储能电池项目", 0.2, 5, 150), ("风光储", "{n}万千瓦风光储一体化项目", 2.5, 20, 150)],
    "电子信息": [
        ("电子信息", "年产{n}万片电子元器件项目", 100, 0.03, 10), ("数字经济", "{n}架机柜数据中心项目", 300, 0.3, 30),
        ("半导体", "年产{n}万片半导体晶圆项目", 5, 2, 60), ("光电", "年产{n}亿只LED封装器件项目", 2, 0.5, 20),
        ("电子信息", "年产{n}万台智能终端项目", 20, 0.1, 20), ("信创", "信创产业园项目", None, 1, 30)],
    "生物医药大健康": [
        ("生物医药", "中药饮片加工项目", None, 0.03, 3), ("生物医药", "年产{n}吨原料药项目", 100, 0.3, 20),
        ("医疗器械", "年产{n}万件医用耗材项目", 500, 0.03, 5), ("健康养老", "康养小镇项目", None, 1, 30),
        ("生物医药", "年产{n}吨中药提取物项目", 200, 0.1, 10), ("生物医药", "生物医药产业园项目", None, 5, 60)],
    "高端装备制造": [
        ("装备制造", "年产{n}台（套）智能装备项目", 100, 0.1, 10), ("高端装备", "年产{n}台风电装备项目", 20, 1, 30),
        ("装备制造", "轨道交通装备配套项目", None, 0.5, 20), ("装备制造", "年产{n}万台电机项目", 5, 0.5, 20),
        ("智能装备", "农机装备制造项目", None, 0.05, 5), ("装备制造", "年产{n}万吨精密铸件项目", 2, 0.1, 10),
        ("高端装备", "高端装备制造产业园项目", None, 10, 80)],
    "食品加工": [
        ("果品加工", "年产{n}万吨浓缩果汁项目", 2, 0.3, 10), ("农产品加工", "{n}万吨果蔬冷链仓储项目", 5, 0.05, 5),
        ("食品", "年产{n}万吨面粉及挂面项目", 5, 0.05, 5), ("果品加工", "苹果深加工项目", None, 0.03, 5),
        ("食品", "年产{n}万吨预制菜项目", 5, 0.05, 10), ("农产品加工", "年屠宰{n}万头生猪加工项目", 50, 0.3, 10),
        ("农产品加工", "年产{n}吨花椒深加工项目", 2000, 0.03, 2), ("食品", "食品产业园项目", None, 5, 60)],
    "消费品工业": [
        ("纺织服装", "年产{n}万件服装加工项目", 200, 0.03, 5), ("轻工", "年产{n}万套家居用品项目", 50, 0.05, 10),
        ("轻工", "年产{n}万吨纸制品项目", 5, 0.3, 20), ("纺织服装", "年产{n}万双鞋业项目", 100, 0.05, 5),
        ("消费品", "消费品工业园项目", None, 5, 60)],
    "其他": [
        ("物流", "现代物流园项目", None, 0.3, 50), ("文旅", "文旅综合体项目", None, 0.3, 50),
        ("商贸物流", "智慧仓储物流中心项目", None, 0.1, 20)],
}
GENERIC_TEMPLATES = [(None, "年产{n}万件产品生产项目", 20, 0, 1e9), (None, "产业园项目", None, 0, 1e9)]
INDUSTRY_WORDS = {
    "铝镁精深加工": ["铝业", "新材料", "镁业", "金属材料"], "铜基新材料": ["铜业", "新材料", "精密铜材"],
    "碳基新材料": ["碳素", "新材料", "炭材料"], "智能网联汽车": ["汽车零部件", "汽车科技", "动力科技"],
    "新能源": ["新能源", "储能科技", "光伏科技", "能源科技", "电力"],
    "电子信息": ["电子科技", "信息技术", "智能科技", "半导体"],
    "生物医药大健康": ["生物医药", "药业", "医疗器械", "健康产业"],
    "高端装备制造": ["装备制造", "机械", "智能装备", "重工"], "食品加工": ["食品", "农业科技", "果业", "农产品"],
    "消费品工业": ["服饰", "家居", "纸业", "实业"], "其他": ["物流", "文化旅游", "商贸", "实业"],
}
NATIONAL_INDUSTRY = {  # 2-digit industry division in the national project code
    "铝镁精深加工": "32", "铜基新材料": "32", "碳基新材料": "30", "智能网联汽车": "36", "新能源": "44",
    "电子信息": "39", "生物医药大健康": "27", "高端装备制造": "34", "食品加工": "13", "消费品工业": "18",
    "其他": "59",
}
ORIGINS = [  # (investor origin as written, prefix of the investor's company name, weight)
    ("浙江杭州", "杭州", 3), ("浙江省宁波市", "宁波", 2), ("深圳市", "深圳", 3), ("江苏省苏州市", "苏州", 2),
    ("北京", "北京", 3), ("北京市", "北京", 1), ("山西太原", "山西", 3), ("上海", "上海", 2),
    ("上海市", "上海", 1), ("广东广州", "广州", 1), ("广东省东莞市", "东莞", 1), ("山东济南", "山东", 2),
    ("山东青岛", "青岛", 1), ("河南郑州", "河南", 2), ("陕西西安", "陕西", 2), ("福建厦门", "厦门", 1),
    ("天津市", "天津", 1), ("湖南长沙", "湖南", 1), ("安徽合肥", "合肥", 1), ("四川成都", "四川", 1),
    ("江苏南京", "南京", 1), ("河北石家庄", "河北", 1), ("湖北武汉", "武汉", 1), ("香港", "香港", 0.5),
]
BRAND_1 = "华中恒鑫宏瑞天金鼎永晟正博联新盛嘉润海国诚聚信同安德广汇长东"
BRAND_2 = "锐达源远丰泰通和创禾业晖辰峰川宇邦尚航晨凯盈科诺骏昇弘"
BRAND_BLOCK = {"华润", "中通", "国泰", "宏达", "金科", "海信", "东方", "中科", "联创", "永泰", "中泰",
               "华通", "恒达", "天和", "长城", "安泰", "新和"}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟段雷钱汤尹黎常武乔贺"
GIVEN = ["建军", "红梅", "志强", "晓东", "海涛", "卫东", "国强", "丽娟", "振华", "文斌", "俊杰", "永红",
         "宏伟", "亚军", "春生", "瑞峰", "学军", "爱民", "少华", "新民", "立新", "晓峰", "建平", "玉梅",
         "利军", "鹏飞", "云龙", "志刚", "金龙", "秀英", "晋生", "润生", "建华", "慧敏", "雪峰", "耀东",
         "克俭", "保平", "素琴", "向东", "海燕", "卫平", "艳红", "旭东", "忠义", "守仁"]
RESP_COUNTY = [("{name}招商中心", 5), ("{name}招商引资服务中心", 2), ("{name}投资促进中心", 2),
               ("{name}工业和信息化局", 1), ("{name}发展和改革局", 1)]
RESP_ZONE = [("{name}管委会", 3), ("{short}招商局", 2), ("{short}投资促进局", 1)]
SIGNED_REMARKS = ["正在办理前期手续", "正在开展项目选址", "企业已完成注册", "正在办理项目备案",
                  "已完成土地预审", "正在开展环评", "链主企业引进项目", "以商招商项目", "正在编制可研报告"]
PROGRESS = (
    ["正在进行场地平整", "已完成土地摘牌，正在场平", "基础施工阶段", "正在进行桩基施工", "临建设施已搭建完成"],
    ["主体厂房建设中", "钢结构厂房建设中", "主体工程已完成约七成", "厂房基础完工，设备订购中", "综合楼主体封顶"],
    ["设备安装调试中", "一期已投产，二期建设中", "已进入试生产阶段", "主体完工，正在安装设备", "部分生产线已投产"],
)
EVENTS = {  # 集中签约 (mass signing ceremonies): a third of a year's projects are signed there
    2023: [("2023-03-28", "全市一季度重点项目集中签约"), ("2023-05-18", "春季招商引资项目集中签约"),
           ("2023-09-22", "关公文化旅游节经贸洽谈会集中签约"), ("2023-12-15", "年末重点项目集中签约")],
    2024: [("2024-03-26", "全市一季度重点项目集中签约"), ("2024-05-16", "春季招商引资项目集中签约"),
           ("2024-09-26", "关公文化旅游节经贸洽谈会集中签约"), ("2024-12-18", "年末重点项目集中签约")],
    2025: [("2025-03-20", "全市一季度重点项目集中签约"), ("2025-05-22", "春季招商引资项目集中签约"),
           ("2025-09-19", "关公文化旅游节经贸洽谈会集中签约")],
}
HOLIDAYS = {(1, 1), *((5, d) for d in range(1, 6)), *((10, d) for d in range(1, 8))}  # no signing there
MONTH_WEIGHT = [0.5, 0.4, 1.3, 1.0, 1.2, 1.1, 0.9, 0.8, 1.3, 1.0, 1.0, 1.4]
CN_NUM = "一二三四五六七八九十"


# ------------------------------------------------------------------ helpers

def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def norm_name(name: str) -> str:
    """The loader's identity form: whitespace removed, full-width folded, trailing 项目 dropped."""
    text = re.sub(r"\s+", "", nfkc(name))
    return text[:-2] if text.endswith("项目") and len(text) > 2 else text


def cn_index(i: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十."""
    if i <= 10:
        return CN_NUM[i - 1]
    tens, ones = divmod(i, 10)
    return ("" if tens == 1 else CN_NUM[tens - 1]) + "十" + (CN_NUM[ones - 1] if ones else "")


def weighted(rng: random.Random, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def nice(x: float) -> int:
    """A figure as people write it in a project name: 37 -> 35, 412 -> 410, 2345 -> 2300."""
    if x < 10:
        return max(1, round(x))
    step = 5 if x < 100 else 10 if x < 1000 else 100
    return max(step, step * round(x / step))


def fit_ints(desired, lo, hi, target, step=1):
    """Integers within [lo, hi], close to `desired` in proportion, summing exactly to target.

    Proportional scaling with clamping, rounding to `step`, then the rounding residue goes to
    the largest items that have room.
    """
    n = len(desired)
    if not sum(lo) <= target <= sum(hi):
        raise ValueError(f"target {target} outside [{sum(lo)}, {sum(hi)}]")
    x = [float(min(max(d, a), b)) for d, a, b in zip(desired, lo, hi)]
    pinned: dict[int, float] = {}
    for _ in range(200):
        free = [i for i in range(n) if i not in pinned]
        rest = target - sum(pinned.values())
        total = sum(x[i] for i in free)
        if not free or total <= 0:
            break
        f = rest / total
        changed = False
        for i in free:
            v = x[i] * f
            if v < lo[i]:
                pinned[i] = x[i] = float(lo[i])
                changed = True
            elif v > hi[i]:
                pinned[i] = x[i] = float(hi[i])
                changed = True
            else:
                x[i] = v
        if not changed:
            break
    out = [min(max(int(round(v / step) * step), a), b) for v, a, b in zip(x, lo, hi)]
    diff = target - sum(out)
    for i in sorted(range(n), key=lambda i: (-out[i], i)):
        if diff == 0:
            break
        room = hi[i] - out[i] if diff > 0 else lo[i] - out[i]
        take = max(diff, room) if diff < 0 else min(diff, room)
        out[i] += take
        diff -= take
    assert diff == 0 and sum(out) == target, (diff, target)
    return out


def fit_in_bands(amounts: list[int], bands: list[int], target: int) -> list[int]:
    """Move the projects of 1 亿 or more within their size band so the year sums to target.

    Each amount's position t in its band (log scale, 0..1) becomes t**g, one g for all, found
    by bisection: the shape of the distribution is kept and nobody piles up at a band edge.
    Amounts are then rounded to 0.1 亿 and the rounding residue goes to the largest projects.
    """
    big = [i for i, b in enumerate(bands) if b >= 1]
    rest = target - sum(a for i, a in enumerate(amounts) if bands[i] < 1)
    lo = {i: FIT_BOUNDS[bands[i]][0] for i in big}
    hi = {i: FIT_BOUNDS[bands[i]][1] for i in big}
    t = {}
    for i in big:  # position within the band the amount was drawn from
        d_lo, d_hi = BAND_BOUNDS[bands[i]]
        t[i] = min(max(math.log(amounts[i] / d_lo) / math.log(d_hi / d_lo), 0.002), 0.998)

    def values(g: float) -> dict[int, float]:
        return {i: lo[i] * (hi[i] / lo[i]) ** (t[i] ** g) for i in big}

    a, b = -6.0, 6.0  # log g; the total decreases as g grows
    for _ in range(100):
        mid = (a + b) / 2
        if sum(values(math.exp(mid)).values()) > rest:
            a = mid
        else:
            b = mid
    out = list(amounts)
    for i, v in values(math.exp((a + b) / 2)).items():
        out[i] = int(round(v / 1000)) * 1000
    diff = target - sum(out)
    for i in sorted(big, key=lambda i: (-out[i], i)):  # the residue, largest projects first
        room = (hi[i] - out[i]) if diff > 0 else (lo[i] - out[i])
        take = min(diff, room) if diff > 0 else max(diff, room)
        out[i] += take
        diff -= take
    assert sum(out) == target and all(lo[i] <= out[i] <= hi[i] for i in big)
    return out


# date forms seen in real ledgers
def d_excel(d: dt.date) -> dt.date:
    return d


def d_dot(d: dt.date) -> str:
    return f"{d.year}.{d.month}.{d.day}"


def d_slash(d: dt.date) -> str:
    return f"{d.year}/{d.month}/{d.day}"


def d_cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def d_compact(d: dt.date) -> str:
    return d.strftime("%Y%m%d")


def d_month(d: dt.date) -> str:
    return f"{d.year}.{d.month}"


def yi(wan: int) -> float:
    """万元 -> 亿元 with at most 4 decimals (exactly wan / 10000 once read back)."""
    return round(wan / 10000, 4)


# ------------------------------------------------------------------ the model

@dataclass
class Project:
    pid: int
    year: int | None  # signing year; None for started rows that were never signed
    band: int
    name: str
    investor: str
    origin: str
    unit: Unit
    chain: str
    chain_tag: str  # the alias this project's chain is written as in some ledgers
    amount: int  # 签约金额, 万元
    signed: dt.date | None
    resp: str
    leaders: str
    remark: str
    contact: str
    code: str | None = None
    start: dt.date | None = None
    planned: int = 0  # 计划总投资, 万元 (started projects)
    funds: dict[str, int] = field(default_factory=dict)  # started ledger -> cumulative 到位资金
    relist_2025: bool = False  # 2024 start re-listed on the 2025 ledger (续建)
    progress: dict[str, str] = field(default_factory=dict)
    # 四库 history, drawn by add_pipeline; None where a project never was a lead / negotiation
    lead: dt.date | None = None  # 录入时间 on a lead ledger
    negotiation: dt.date | None = None  # 首次洽谈时间
    closed: dt.date | None = None  # a lead or negotiation dropped without signing
    close_reason: str = ""
    intended: int | None = None  # 拟投资额, 万元
    lead_source: str = ""
    production: dt.date | None = None  # 投产时间 (reported on the 2025 started ledger)
    near_miss: str | None = None  # a lead-ledger name that does not match the signed name


@dataclass
class Model:
    ref: Reference
    projects: list[Project]  # signed projects, all years
    unmatched: list[Project]  # started rows of projects never signed
    prospects: list[Project] = field(default_factory=list)  # leads and negotiations never signed

    def signed_in(self, year: int) -> list[Project]:
        return [p for p in self.projects if p.year == year]


class Generator:
    def __init__(self, ref: Reference, seed: int = SEED):
        self.ref = ref
        self.rng = random.Random(seed)
        self.used_names: set[str] = set()
        self.used_serials: set[int] = set()
        self.pid = 0
        names = {u.name for u in ref.units}
        chains = set(ref.chains)
        for table in (UNIT_WEIGHT, CHAIN_BOOST):
            unknown = sorted(set(table) - names)
            if unknown:
                print(f"note: units not in the reference, ignored: {unknown}", file=sys.stderr)
        self.units = list(ref.units)
        self.unit_w = [UNIT_WEIGHT.get(u.name, 1.0) for u in self.units]
        self.chains = [c for c in ref.chains]
        self.base_w = [CHAIN_BASE.get(c, 0.5) for c in self.chains]
        self.templates = {}
        for c in self.chains:
            rows = []
            for tag, pattern, per_yi, lo_yi, hi_yi in TEMPLATES.get(c, GENERIC_TEMPLATES):
                tag = tag if tag and ref.chain_aliases.get(tag) == c else c
                rows.append((tag, pattern, per_yi, lo_yi, hi_yi))
            self.templates[c] = rows
        assert not (chains - set(self.templates))
        rng = self.rng
        self.leader_pool = {
            u.unit_id: [rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(6)] for u in self.units}
        self.staff = [rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(12)]

    # -- pieces of a project
    def brand(self) -> str:
        while True:
            b = self.rng.choice(BRAND_1) + self.rng.choice(BRAND_2)
            if b not in BRAND_BLOCK and b[0] != b[1]:
                return b

    def company(self, chain: str, prefix: str, brand: str | None = None) -> tuple[str, str, str]:
        rng = self.rng
        brand = brand or self.brand()
        word = rng.choice(INDUSTRY_WORDS.get(chain, ["实业"]))
        form = rng.choices(["{p}{b}{w}有限公司", "{b}{w}集团有限公司", "{p}{b}{w}股份有限公司",
                            "{p}{b}{w}科技有限公司"], weights=[6, 2, 1, 1])[0]
        if word.endswith("科技") and "科技有限" in form:
            form = "{p}{b}{w}有限公司"
        return form.format(p=prefix, b=brand, w=word), brand, word

    def unit_short(self, unit: Unit) -> str:
        return unit.aliases[0] if unit.aliases else unit.name

    def responsible(self, unit: Unit) -> str:
        table = RESP_ZONE if unit.kind == "zone" else RESP_COUNTY
        pattern = weighted(self.rng, [t for t, _ in table], [w for _, w in table])
        return pattern.format(name=unit.name, short=self.unit_short(unit))

    def leaders(self, unit: Unit) -> str:
        pool = self.leader_pool[unit.unit_id]
        k = 2 if self.rng.random() < 0.35 else 1
        return "、".join(self.rng.sample(pool, k))

    def contact(self) -> str:
        rng = self.rng
        return f"{rng.choice(SURNAMES)}{rng.choice(['经理', '总', '先生', '女士'])} 1{rng.choice('3578')}{rng.randrange(10)}****{rng.randrange(10000):04d}"

    def choose_chain(self, unit: Unit, band: int) -> str:
        boost = CHAIN_BOOST.get(unit.name, {})
        bb = BAND_CHAIN_BOOST[band]
        w = [b * boost.get(c, 1.0) * bb.get(c, 1.0) for c, b in zip(self.chains, self.base_w)]
        return weighted(self.rng, self.chains, w)

    def project_name(self, chain: str, amount: int, brand: str, word: str) -> tuple[str, str]:
        rng = self.rng
        amount_yi = amount / 10000
        fitting = [t for t in self.templates[chain] if t[3] <= amount_yi <= t[4]]
        if not fitting:  # the nearest range
            fitting = [min(self.templates[chain], key=lambda t: abs(math.log(amount_yi / min(max(
                amount_yi, t[3]), t[4]))))]
        for attempt in range(50):
            tag, pattern, per_yi, _, _ = rng.choice(fitting)
            n = nice(amount_yi * per_yi * rng.uniform(0.8, 1.25)) if per_yi else None
            body = pattern.format(n=n, m=2 * n) if n else pattern
            with_prefix = per_yi is None or attempt > 0 or rng.random() < 0.75
            name = f"{brand}{word}{body}" if with_prefix else body
            if attempt > 5:  # very unlucky: another brand
                brand = self.brand()
            key = norm_name(name)
            if key not in self.used_names:
                self.used_names.add(key)
                return name, tag
        raise RuntimeError("could not find a unique project name")

    def new_project(self, year: int | None, band: int, amount: int, signed: dt.date | None,
                    remark: str, unit: Unit | None = None, chain: str | None = None) -> Project:
        rng = self.rng
        unit = unit or weighted(rng, self.units, self.unit_w)
        chain = chain or self.choose_chain(unit, band)
        origin, prefix, _ = weighted(rng, ORIGINS, [o[2] for o in ORIGINS])
        investor, brand, word = self.company(chain, prefix)
        if rng.random() < 0.1:  # several parties in one cell
            other_origin = weighted(rng, ORIGINS, [o[2] for o in ORIGINS])
            investor += rng.choice(["、", "、", "与"]) + self.company(chain, other_origin[1])[0]
        name, tag = self.project_name(chain, amount, brand, word)
        self.pid += 1
        return Project(
            pid=self.pid, year=year, band=band, name=name, investor=investor, origin=origin,
            unit=unit, chain=chain, chain_tag=tag, amount=amount, signed=signed,
            resp=self.responsible(unit), leaders=self.leaders(unit), remark=remark,
            contact=self.contact())

    # -- amounts, dates
    def draw_amount(self, band: int) -> int:
        rng = self.rng
        lo, hi = BAND_BOUNDS[band]

        v = math.exp(rng.uniform(math.log(lo), math.log(hi)))
        step = (50 if v < 1000 else 100 if v < 5000 else 500) if band == 0 else \
            rng.choice([1000, 5000]) if band == 1 else 10000
        return min(max(int(round(v / step) * step), lo), BAND_BOUNDS[band][1])

    def sign_dates(self, year: int, count: int) -> list[tuple[dt.date, str]]:
        rng = self.rng
        last_month = YEARS[year]["last_month"]
        events = [(dt.date.fromisoformat(d), name) for d, name in EVENTS[year]]
        out = []
        for _ in range(count):
            if rng.random() < 0.33:
                d, name = rng.choice(events)
                out.append((d, f"{year}年{name}"))
                continue
            month = weighted(rng, list(range(1, last_month + 1)), MONTH_WEIGHT[:last_month])
            days = [dt.date(year, month, day) for day in range(1, 32)
                    if _valid(year, month, day) and dt.date(year, month, day).weekday() < 5
                    and (month, day) not in HOLIDAYS]
            out.append((rng.choice(days), ""))
        return out

    def code(self, p: Project) -> str:
        adcode = p.unit.adcode or p.unit.host_adcode
        while True:
            serial = self.rng.randrange(1, 1_000_000)
            if serial not in self.used_serials:
                self.used_serials.add(serial)
                break
        kind = "02" if self.rng.random() < 0.2 else "03"
        year = (p.signed or p.start).year
        return f"{year}-{adcode}-{NATIONAL_INDUSTRY.get(p.chain, '99')}-{kind}-{serial:06d}"


def _valid(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
        return True
    except ValueError:
        return False


def build_model(ref: Reference | None = None, seed: int = SEED) -> Model:
    ref = ref or load_reference()
    g = Generator(ref, seed)
    rng = g.rng
    projects: list[Project] = []

    # 1. signed projects of each year, with exact yearly sums
    for year, cfg in YEARS.items():
        bands = [b for b, k in enumerate(cfg["bands"]) for _ in range(k)]
        rng.shuffle(bands)
        amounts = [g.draw_amount(b) for b in bands]
        amounts = fit_in_bands(amounts, bands, cfg["amount"])
        dates = g.sign_dates(year, len(bands))
        for band, amount, (signed, event) in zip(bands, amounts, dates):
            remark = event + "项目" if event else (rng.choice(SIGNED_REMARKS) if rng.random() < 0.35 else "")
            projects.append(g.new_project(year, band, amount, signed, remark))
    projects.sort(key=lambda p: (p.signed, p.pid))

    # 2. starts: a start is after signing and at most once
    def delay_start(p: Project, latest: dt.date) -> dt.date:
        d = p.signed + dt.timedelta(days=10 + int(rng.expovariate(1 / 100)))
        if d > latest:
            d = p.signed + dt.timedelta(days=rng.randint(7, max(7, (latest - p.signed).days)))
        return min(d, latest)

    for p in projects:
        if p.year == 2023 and rng.random() < 0.8:
            p.start = delay_start(p, dt.date(2024, 12, 31))
        elif p.year == 2025 and p.signed <= AS_OF - dt.timedelta(days=10) and rng.random() < 0.85:
            d = p.signed + dt.timedelta(days=10 + int(rng.expovariate(1 / 60)))
            p.start = d if d <= AS_OF else None
    cohort = [p for p in projects if p.year == 2024]
    keyed = sorted(cohort, key=lambda p: (-(rng.random() ** (1 / (1.3 if p.band else 1.0))), p.pid))
    for p in keyed[:TARGET_2024["started"]]:
        p.start = delay_start(p, AS_OF)

    # 3. national project codes: about a third, mostly projects that went on to start
    for p in projects:
        if rng.random() < (0.42 if p.start else 0.12):
            p.code = g.code(p)

    # 4. planned investment (phase one of big projects), exact for the 2024 cohort
    def planned_desired(p: Project) -> float:
        f = (1.0 if rng.random() < 0.7 else rng.uniform(0.6, 1.0),
             rng.uniform(0.25, 0.8), rng.uniform(0.08, 0.35), rng.uniform(0.03, 0.12))[p.band]
        return p.amount * f

    started_2024 = [p for p in cohort if p.start]
    desired = [planned_desired(p) for p in started_2024]
    lo = [round(d) if p.band == 0 else max(100, p.amount // 50) for p, d in zip(started_2024, desired)]
    hi = [round(d) if p.band == 0 else p.amount for p, d in zip(started_2024, desired)]
    for p, v in zip(started_2024, fit_ints(desired, lo, hi, TARGET_2024["planned"], step=100)):
        p.planned = v
    for p in projects:
        if p.start and p.year != 2024:
            d = planned_desired(p)
            p.planned = round(d) if p.band == 0 else min(p.amount, max(100, int(round(d / 100) * 100)))

    # 5. where each started project is listed, and its cumulative 到位资金 there
    for p in projects:
        if p.start and p.year == 2024 and p.start.year == 2024:
            p.relist_2025 = rng.random() < 0.35
    latest_desired = {}
    for p in projects:
        if not p.start:
            continue
        keys = ledgers_of(p)
        last = keys[-1]
        months = (LEDGER_AS_OF[last] - p.start).days / 30.4
        r = min(0.95, (0.04 + 0.045 * months) * rng.uniform(0.6, 1.4))
        latest_desired[p.pid] = p.planned * r
    desired = [latest_desired[p.pid] for p in started_2024]
    lo = [1] * len(started_2024)
    hi = [p.planned for p in started_2024]
    fitted = dict(zip((p.pid for p in started_2024),
                      fit_ints(desired, lo, hi, TARGET_2024["funds"], step=1)))
    for p in projects:
        if not p.start:
            continue
        latest = fitted.get(p.pid, int(round(latest_desired[p.pid])))
        assign_funds(p, latest, rng)
        assign_progress(p, rng)

    # 6. started rows of projects that were never signed
    unmatched = []
    for start, keys_hint in ((dt.date(2023, 8, 9), "S2023"), (dt.date(2024, 4, 16), "S2024H1"),
                             (dt.date(2024, 9, 3), "S2024"), (dt.date(2025, 5, 20), "S2025")):
        band = rng.choice([0, 1])
        amount = g.draw_amount(band)
        p = g.new_project(None, band, amount, None, "")
        p.start = start
        p.planned = amount
        p.code = g.code(p) if rng.random() < 0.5 else None
        assign_funds(p, int(p.planned * rng.uniform(0.1, 0.5)), rng)
        assign_progress(p, rng)
        assert ledgers_of(p)[0] == keys_hint
        unmatched.append(p)
    model = Model(ref, projects, unmatched)
    # The lifecycle draws from its own stream, so the ledgers above stay exactly as they were.
    g.rng = random.Random(seed + PIPELINE_SEED_OFFSET)
    add_pipeline(model, g)
    return model


def ledgers_of(p: Project) -> list[str]:
    """The started ledgers a project is listed on, oldest first."""
    y = p.start.year
    if y == 2023:
        return ["S2023"]
    if y == 2024:
        keys = ["S2024H1"] if p.start <= LEDGER_AS_OF["S2024H1"] else []
        return keys + ["S2024"] + (["S2025"] if p.relist_2025 else [])
    return ["S2025"]


def assign_funds(p: Project, latest: int, rng: random.Random) -> None:
    keys = ledgers_of(p)
    value = latest
    for key in reversed(keys):
        p.funds[key] = value
        value = int(value * rng.uniform(0.45, 0.9))  # earlier ledgers report less


def assign_progress(p: Project, rng: random.Random) -> None:
    for key in ledgers_of(p):
        months = (LEDGER_AS_OF[key] - p.start).days / 30.4
        stage = 0 if months < 3 else 1 if months < 9 else 2
        p.progress[key] = rng.choice(PROGRESS[stage])


# ------------------------------------------------------------------ the four libraries (四库)

PIPELINE_SEED_OFFSET = 11
# Leads entered per year (录入时间 in the year; 2025: January-September) and how many of them
# were signed by AS_OF. 2025 is the city's calibration: 586 leads pushed, 112 of them signed.
LEADS = {
    2024: dict(total=590, signed_same_year=130, signed_next_year=80),
    2025: dict(total=586, signed_same_year=112, signed_next_year=0),
}
NEGOTIATION_ONLY = 0.55  # other 2024/2025 signings: on a negotiation ledger without a lead record
PROSPECT_NEGOTIATES = 0.4  # leads that are never signed still reach negotiation this often
NEAR_MISSES = 8  # 2024 leads written under a slightly different name (the identity review list)
PROSPECT_BANDS = (0.62, 0.3, 0.07, 0.01)
LEAD_SOURCES = (("市级推送", 4), ("县级自主挖掘", 3), ("以商招商", 2), ("驻外招商", 2),
                ("中介机构推荐", 1), ("展会洽谈", 1), ("商会推介", 1), ("网络平台", 0.5))
CLOSE_REASONS = ("企业投资意向变化", "选址未达成一致", "企业资金不到位", "不符合产业政策", "企业转投外地",
                 "能耗指标不足", "用地条件不具备")
OPEN_LEAD = ("已推送至县区，正在对接", "已与企业初步联系", "跟踪对接中", "等待企业回复")
OPEN_NEGOTIATION = ("已开展首轮洽谈", "已赴企业考察", "企业已来现场考察", "正在商谈投资协议",
                    "正在对接要素保障", "企业内部决策中", "协议文本已基本达成一致")
NEGOTIATION_PROBLEMS = ("用地指标紧张", "双方对土地价格有分歧", "电力接入待落实", "环评要求待论证",
                        "企业融资进度慢", "", "", "")


def workday(rng: random.Random, a: dt.date, b: dt.date) -> dt.date:
    """A random working day in [a, b]; b when there is none."""
    days = [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]
    days = [d for d in days if d.weekday() < 5 and (d.month, d.day) not in HOLIDAYS]
    return rng.choice(days) if days else b


def near_miss_name(p: Project, i: int) -> str:
    """The signed name with a small difference the loader's normalisation does not remove."""
    base = p.name[:-2] if p.name.endswith("项目") else p.name
    brand = max((k for k in range(2, len(base)) if base[:k] in p.investor), default=0)
    kind = i % 3
    if kind == 1 and brand:
        name = base[:brand] + "有限公司" + base[brand:] + "项目"
    elif kind == 2:
        name = base + "生产线项目"
    else:
        name = base + "（一期）项目"
    assert norm_name(name) != norm_name(p.name)
    return name


def add_pipeline(model: Model, g: Generator) -> None:
    """Leads and negotiations before signings, leads that never progress, production dates."""
    rng = g.rng

    def gap(mean: float, lo: int, hi: int) -> dt.timedelta:
        return dt.timedelta(days=min(hi, lo + int(rng.expovariate(1 / mean))))

    def intended(amount: int) -> int:
        return max(100, int(round(amount * rng.uniform(0.6, 1.4) / 100)) * 100)

    def source() -> str:
        return weighted(rng, [s for s, _ in LEAD_SOURCES], [w for _, w in LEAD_SOURCES])

    def history(p: Project, lead_year: int) -> None:
        """lead -> negotiation -> signing, the lead within lead_year."""
        first, last = dt.date(lead_year, 1, 2), min(dt.date(lead_year, 12, 31), p.signed - dt.timedelta(days=45))
        lead = p.signed - gap(90, 45, 300)
        if not first <= lead <= last:
            lead = workday(rng, max(first, p.signed - dt.timedelta(days=420)), last)
        room = (p.signed - lead).days - 15
        p.lead = lead
        p.negotiation = lead + dt.timedelta(days=min(room, 5 + int(rng.expovariate(1 / 20))))
        p.lead_source, p.intended = source(), intended(p.amount)

    s24 = model.signed_in(2024)
    s25 = model.signed_in(2025)
    lead25 = rng.sample([p for p in s25 if p.signed >= dt.date(2025, 2, 20)], LEADS[2025]["signed_same_year"])
    taken = {p.pid for p in lead25}
    lead24_25 = rng.sample([p for p in s25 if p.pid not in taken and p.signed <= dt.date(2025, 6, 30)],
                           LEADS[2024]["signed_next_year"])
    lead24 = rng.sample([p for p in s24 if p.signed >= dt.date(2024, 3, 1)], LEADS[2024]["signed_same_year"])
    for p in lead25:
        history(p, 2025)
    for p in lead24_25 + lead24:
        history(p, 2024)
    for i, p in enumerate(lead24[:NEAR_MISSES]):
        p.near_miss = near_miss_name(p, i)
    for p in s24 + s25:
        if p.lead is None and rng.random() < NEGOTIATION_ONLY:
            p.negotiation = p.signed - gap(70, 20, 300)
            p.intended = intended(p.amount)

    # leads that are never signed: some reach negotiation, most are dropped sooner or later
    for year, cfg in LEADS.items():
        last = min(dt.date(year, 12, 31), AS_OF)
        for _ in range(cfg["total"] - cfg["signed_same_year"] - cfg["signed_next_year"]):
            month = weighted(rng, list(range(1, last.month + 1)), MONTH_WEIGHT[:last.month])
            end = dt.date(year, month + 1, 1) - dt.timedelta(days=1) if month < 12 else dt.date(year, 12, 31)
            lead = workday(rng, dt.date(year, month, 1), min(end, last))
            band = weighted(rng, [0, 1, 2, 3], PROSPECT_BANDS)
            p = g.new_project(None, band, g.draw_amount(band), None, "")
            p.lead, p.lead_source, p.intended = lead, source(), p.amount
            if rng.random() < PROSPECT_NEGOTIATES and (neg := lead + gap(20, 5, 120)) <= AS_OF:
                p.negotiation = neg
            closed = p.negotiation + gap(150, 60, 2000) if p.negotiation else lead + gap(40, 15, 2000)
            if closed <= AS_OF:
                p.closed, p.close_reason = closed, rng.choice(CLOSE_REASONS)
            model.prospects.append(p)

    # production, reported on the 2025 started ledger
    for p in sorted(model.projects + model.unmatched, key=lambda p: p.pid):
        if not p.start or "S2025" not in ledgers_of(p):
            continue
        if p.start.year < AS_OF.year:
            produced = p.start + gap(150, 150, 900) if rng.random() < 0.45 else None
        else:
            produced = p.start + gap(60, 45, 400) if rng.random() < 0.1 else None
        p.production = produced if produced and produced <= AS_OF else None


def lead_status(p: Project, day: dt.date, rng: random.Random) -> str:
    """洽谈进展 of a lead as its ledger of `day` writes it."""
    if p.signed and p.signed <= day:
        return "已签约"
    if p.closed and p.closed <= day:
        return f"已终止（{p.close_reason}）"
    if p.negotiation and p.negotiation <= day:
        return "已转入洽谈"
    return rng.choice(OPEN_LEAD)


def negotiation_status(p: Project, day: dt.date, rng: random.Random) -> str:
    if p.signed and p.signed <= day:
        return "已签约"
    if p.closed and p.closed <= day:
        return f"洽谈终止（{p.close_reason}）"
    return rng.choice(OPEN_NEGOTIATION)


def open_lead(p: Project, day: dt.date) -> bool:
    """Still a lead (not negotiating, signed or dropped) on `day`."""
    return all(d is None or d > day for d in (p.negotiation, p.signed, p.closed))


# ------------------------------------------------------------------ rows as written

@dataclass
class Sheet:
    name: str
    kind: str  # signed | started | other (not a project list)
    as_of: dt.date | None
    rows: list[dict] = field(default_factory=list)  # field -> cell value as written; "_p" -> Project
    amount_unit: int = 1  # 万元 per unit of the signed-amount column
    planned_unit: int = 1  # 万元 per unit of the planned-investment column
    cumulative: bool = False


@dataclass
class Ledger:
    filename: str
    sheets: list[Sheet]
    habit: str  # one line for README.md
    layout: str = ""  # key of COLUMNS, WRITERS and HEADER_AT


class Writer:
    """Turns projects into row values, with the variations of real ledgers."""

    def __init__(self, model: Model, seed: int = SEED + 1):
        self.model = model
        self.ref = model.ref
        self.rng = random.Random(seed)
        units = self.ref.units
        self.city = self.ref.city_name
        # aliases that are a suffix of another unit's name or alias are ambiguous: not used
        texts = [t for u in units for t in (u.name, *u.aliases)]
        self.forms = {}
        for u in units:
            clean = [a for a in u.aliases if not any(t != a and t.endswith(a) for t in texts)]
            forms = [u.name] + clean + ([self.city + u.name] if u.kind == "county" else [])
            self.forms[u.unit_id] = forms

    # names: equal to the canonical name up to the loader's normalisation
    def name(self, p: Project, p_vary: float) -> str:
        rng = self.rng
        name = p.name
        if rng.random() >= p_vary:
            return name
        kind = rng.choice(["newline", "newline", "drop", "drop", "space", "ideographic_space", "digits"])
        if kind == "digits" and not re.search(r"\d", name):
            kind = "newline"
        if kind == "drop" and name.endswith("项目"):
            name = name[:-2]
        elif kind == "digits":
            name = name.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
        else:
            cjk = [i for i in range(2, len(name) - 1) if name[i - 1] >= "\u4e00" and name[i] >= "\u4e00"]
            cut = rng.choice(cjk) if cjk else len(name) // 2
            gap = {"newline": "\n", "space": " ", "ideographic_space": "\u3000"}.get(kind, "\n")
            name = name[:cut] + gap + name[cut:] if rng.random() < 0.8 else name + " "
        assert norm_name(name) == norm_name(p.name)
        return name

    def unit(self, p: Project, style: str) -> str:
        forms = self.forms[p.unit.unit_id]
        if style == "full":
            return p.unit.name
        if style == "short":
            return forms[1] if len(forms) > 1 and forms[1] != self.city + p.unit.name else p.unit.name
        weights = [3.0] + [1.0] * (len(forms) - 1)
        return weighted(self.rng, forms, weights)

    def chain(self, p: Project, style: str) -> str:
        if style == "canonical":
            return p.chain
        if style == "tag":
            return p.chain_tag
        return p.chain_tag if self.rng.random() < 0.5 else p.chain

    def started_row(self, p: Project, key: str, *, p_vary: float, unit_style: str, chain_style: str,
                    date_forms, planned_unit: int = 1, code_p: float = 1.0) -> dict:
        forms = list(date_forms)
        month_ok = p.signed is None or dt.date(p.start.year, p.start.month, 1) > p.signed
        if not month_ok and d_month in forms:
            forms.remove(d_month)
        keys = ledgers_of(p)
        i = keys.index(key)
        funds = p.funds[key]
        previous = p.funds[keys[i - 1]] if i and LEDGER_AS_OF[keys[i - 1]].year == LEDGER_AS_OF[key].year - 1 else 0
        return {
            "_p": p, "name": self.name(p, p_vary),
            "code": p.code if p.code and self.rng.random() < code_p else None,
            "unit": self.unit(p, unit_style), "chain": self.chain(p, chain_style),
            "start": self.rng.choice(forms)(p.start),
            "planned": p.planned if planned_unit == 1 else yi(p.planned),
            "funds": funds, "funds_year": funds - previous if p.start.year < LEDGER_AS_OF[key].year else funds,
            "nature": "续建" if p.start.year < LEDGER_AS_OF[key].year else "新开工",
            "resp": p.resp, "leaders": p.leaders, "progress": p.progress[key],
        }

    def signed_row(self, p: Project, *, p_vary: float, unit_style: str, chain_style: str,
                   date_forms, amount_unit: int = 1, text_amounts: float = 0.0, no_code=(None,)) -> dict:
        rng = self.rng
        amount: object = p.amount if amount_unit == 1 else yi(p.amount)
        if text_amounts and rng.random() < text_amounts:
            a = p.amount
            if a % 10000 == 0:
                amount = f"约{a // 10000}亿元"
            elif a % 1000 == 0 and a < 100000:
                amount = f"{a}万元"
            elif a >= 1000:
                amount = f"{a:,}"
        return {
            "_p": p, "name": self.name(p, p_vary),
            "code": p.code or rng.choice(no_code), "investor": p.investor, "origin": p.origin,
            "unit": self.unit(p, unit_style), "chain": self.chain(p, chain_style), "amount": amount,
            "signed": rng.choice(list(date_forms))(p.signed), "resp": p.resp, "leaders": p.leaders,
            "remark": p.remark, "contact": p.contact,
        }


    def pipeline_row(self, p: Project, kind: str, day: dt.date, *, p_vary: float, unit_style: str,
                     chain_style: str, date_forms, amount_unit: int = 1) -> dict:
        """A row of a lead (线索) or negotiation (洽谈) ledger as of `day`."""
        rng = self.rng
        near_miss = kind == "lead" and p.near_miss is not None
        amount: object = p.intended if amount_unit == 1 else yi(p.intended)
        if rng.random() < 0.04:
            amount = "待定"
        row = {
            "_p": p, "name": p.near_miss if near_miss else self.name(p, p_vary),
            "investor": p.investor, "origin": p.origin, "unit": self.unit(p, unit_style),
            "chain": self.chain(p, chain_style), "intended": amount, "resp": p.resp, "leaders": p.leaders,
        }
        if kind == "lead":
            row.update(source=p.lead_source, lead=rng.choice(list(date_forms))(p.lead),
                       status=lead_status(p, day, rng), _near_miss=near_miss)
        else:
            row.update(negotiation=rng.choice(list(date_forms))(p.negotiation),
                       status=negotiation_status(p, day, rng),
                       problems=rng.choice(NEGOTIATION_PROBLEMS) if not (p.signed and p.signed <= day) else "")
        return row


def build_ledgers(model: Model) -> list[Ledger]:
    w = Writer(model)
    city = model.ref.city_name
    P = model.projects
    by_unit = {u.unit_id: i for i, u in enumerate(model.ref.units)}

    def unit_order(p: Project):
        return (by_unit[p.unit.unit_id], p.signed or p.start, p.pid)

    def signed_between(a: dt.date, b: dt.date) -> list[Project]:
        return [p for p in P if a <= p.signed <= b]

    def started_between(a: dt.date, b: dt.date, cohorts=(2023, 2024, 2025)) -> list[Project]:
        return [p for p in P if p.start and a <= p.start <= b and p.year in cohorts]

    ledgers = []

    # 1. 2023 signed, one sheet, 万元, two-row header, 合计 first, real dates
    rows = [w.signed_row(p, p_vary=0.05, unit_style="mixed", chain_style="canonical",
                         date_forms=[d_excel])
            for p in sorted(model.signed_in(2023), key=unit_order)]
    ledgers.append(Ledger("2023年招商引资签约项目台账.xlsx",
                          [Sheet("2023年1-12月", "signed", dt.date(2023, 12, 31), rows)],
                          "合并标题行、单位行“单位：万元”、两行表头（合并的分组单元格“投资方情况”“签约情况”）、"
                          "表头下第一行为合计行、签约时间为Excel日期、县（市、区）简称混用", layout="2023_signed"))

    # 2. 2023 started (.xls), text dates 2023.5.12, 是否开工 是
    s23 = sorted(started_between(dt.date(2023, 1, 1), dt.date(2023, 12, 31)) +
                 [u for u in model.unmatched if ledgers_of(u)[0] == "S2023"], key=unit_order)
    rows = [w.started_row(p, "S2023", p_vary=0.2, unit_style="mixed", chain_style="canonical",
                          date_forms=[d_dot]) for p in s23]
    for r in rows:
        r["started"] = "是"
    ledgers.append(Ledger("2023年开工项目台账.xls",
                          [Sheet("2023年开工项目", "started", dt.date(2023, 12, 31), rows)],
                          "旧版 .xls（xlwt）、合并标题行、开工时间为文本“2023.5.12”、是否开工“是”、"
                          "含1行从未签约的项目、表尾填报日期", layout="2023_started"))

    # 3. 2024 H1 signed: 说明 + cumulative 1-3月 / 1-6月, 亿元, text dates, 合计 last
    sheets = [Sheet("说明", "other", None)]
    for label, end in (("1-3月", dt.date(2024, 3, 31)), ("1-6月", dt.date(2024, 6, 30))):
        rows = [w.signed_row(p, p_vary=0.1, unit_style="short", chain_style="tag",
                             date_forms=[d_slash, d_slash, d_cn], amount_unit=10000)
                for p in signed_between(dt.date(2024, 1, 1), end)]
        sheets.append(Sheet(label, "signed", end, rows, amount_unit=10000, cumulative=True))
    ledgers.append(Ledger("2024年1-6月签约项目台账.xlsx", sheets,
                          "“说明”工作表（非项目表）+ 年初累计工作表“1-3月”“1-6月”（1-6月重列1-3月全部项目，不可相加）、"
                          "金额单位亿元（表头“签约金额（亿元）”，最多4位小数）、表头同义词（签约项目名称、签约企业、客商来源地、"
                          "县市区、重点产业链、签约日期、牵头单位、责任领导）、日期为文本“2024/3/15”“2024年3月15日”、合计行在最后", layout="2024_h1"))

    # 4. 2024 H2 signed: monthly sheets, table at B4, group rows, 小计, hidden column, text amounts
    sheets = []
    for month in range(7, 13):
        end = dt.date(2024, month + 1, 1) - dt.timedelta(days=1) if month < 12 else dt.date(2024, 12, 31)
        rows = [w.signed_row(p, p_vary=0.05, unit_style="mixed", chain_style="mixed",
                             date_forms=[d_excel], text_amounts=0.07, no_code=(None,))
                for p in sorted(signed_between(dt.date(2024, month, 1), end), key=unit_order)]
        sheets.append(Sheet(f"{month}月", "signed", end, rows))
    sheets.append(Sheet("汇总", "other", dt.date(2024, 12, 31)))
    ledgers.append(Ledger("2024年7-12月签约项目台账.xlsx", sheets,
                          "每月一个工作表“7月”…“12月”（当月数，非累计）+“汇总”工作表（按县汇总，非项目表）、"
                          "表格从B列第4行开始、分组行“一、盐湖区”及小计行、表内空行、隐藏列、单位：万元、"
                          "部分金额为文本（“5000万元”“约2亿元”“1,234”）、表尾填报人/审核人/联系电话", layout="2024_h2"))

    # 5. one county's own list (WPS CSV, GBK) re-listing its 2024 projects
    county = next(u for u in model.ref.units if u.name == "临猗县") if any(
        u.name == "临猗县" for u in model.ref.units) else model.ref.units[1]
    rows = [w.signed_row(p, p_vary=0.25, unit_style="mixed", chain_style="tag",
                         date_forms=[d_slash], text_amounts=0.15)
            for p in model.signed_in(2024) if p.unit.unit_id == county.unit_id]
    for r in rows:  # only two forms of the county itself
        r["unit"] = w.rng.choice([county.name, w.forms[county.unit_id][1]])
        if isinstance(r["amount"], str) and not r["amount"].replace(",", "").isdigit():
            r["amount"] = f"{r['_p'].amount:,}"
    ledgers.append(Ledger(f"2024年{county.name}签约项目台账.csv",
                          [Sheet(county.name, "signed", dt.date(2024, 12, 31), rows)],
                          f"WPS 另存的 CSV（GBK 编码）、表头在第一行、{county.name}自己的2024年签约项目"
                          "（与市级台账重复，不可重复计数）、金额万元（部分带千位分隔符）、名称带换行/空格/缺“项目”、合计行在最后", layout="county_csv"))

    # 6. 2024 started: cumulative 1-6月 / 1-12月, three-row header, √, mixed dates
    sheets = []
    for label, key, end in (("1-6月", "S2024H1", dt.date(2024, 6, 30)), ("1-12月", "S2024", dt.date(2024, 12, 31))):
        ps = started_between(dt.date(2024, 1, 1), end, cohorts=(2023, 2024))
        ps += [u for u in model.unmatched if key in ledgers_of(u)]
        rows = [w.started_row(p, key, p_vary=0.2, unit_style="mixed", chain_style="mixed",
                              date_forms=[d_excel, d_excel, d_compact, d_month],
                              code_p=0.8 if key == "S2024H1" else 1.0)
                for p in sorted(ps, key=unit_order)]
        for r in rows:
            r["started"] = "√"
        sheets.append(Sheet(label, "started", end, rows, cumulative=True))
    ledgers.append(Ledger("2024年开工项目台账.xlsx", sheets,
                          "年初累计工作表“1-6月”“1-12月”（累计到位资金逐期增大，取最新）、三行表头"
                          "（“投资情况（万元）”合并在 计划总投资、到位资金〔累计到位资金、本年到位资金〕之上）、"
                          "表头下第一行为合计行、是否开工“√”、开工时间混用“20240315”“2024.3”和Excel日期、"
                          "含2023年签约2024年开工的项目、含从未签约的项目、名称有换行/空格/缺“项目”/全角数字", layout="2024_started"))

    # 7a. 2025 signed: cumulative 1-3月 / 1-6月 / 1-9月, canonical-ish header, 合计 first
    sheets = []
    for label, end in (("1-3月", dt.date(2025, 3, 31)), ("1-6月", dt.date(2025, 6, 30)), ("1-9月", AS_OF)):
        rows = [w.signed_row(p, p_vary=0.1, unit_style="mixed", chain_style="canonical",
                             date_forms=[d_excel, d_excel, d_dot], no_code=(None, "/", "—"))
                for p in signed_between(dt.date(2025, 1, 1), end)]
        sheets.append(Sheet(label, "signed", end, rows, cumulative=True))
    ledgers.append(Ledger("2025年1-9月签约项目台账.xlsx", sheets,
                          "年初累计工作表“1-3月”“1-6月”“1-9月”、单位行且表头带单位、项目代码列（无代码写“/”“—”或空）、"
                          "表头“所属县（市、区、开发区）”、签约时间混用Excel日期和“2025.3.15”、合计行在表头下第一行", layout="2025_signed"))

    # 7b. 2025 started: new 2025 starts + 2024 starts re-listed with larger funds (续建)
    ps = started_between(dt.date(2025, 1, 1), AS_OF, cohorts=(2024, 2025))
    ps += [p for p in P if p.relist_2025]
    ps += [u for u in model.unmatched if "S2025" in ledgers_of(u)]
    rows = [w.started_row(p, "S2025", p_vary=0.2, unit_style="mixed", chain_style="canonical",
                          date_forms=[d_cn, d_excel, d_slash], planned_unit=10000)
            for p in sorted(ps, key=unit_order)]
    for r in rows:
        r["started"] = "已开工"
        r["produced"] = "是" if r["_p"].production else "否"
        r["production"] = r["_p"].production
    ledgers.append(Ledger("2025年1-9月开工项目台账.xlsx",
                          [Sheet("1-9月", "started", AS_OF, rows, planned_unit=10000)],
                          "同一表中不同单位：计划总投资（亿元）与累计/本年到位资金（万元）、表头同义词（统一项目代码、县区、"
                          "开工情况、实际开工时间、进展情况）、未知列“建设性质”（新开工/续建）、2024年已开工项目续报"
                          "（开工时间仍为2024年，累计到位资金更大）、开工时间混用“2025年3月15日”“2025/3/15”和Excel日期、是否投产“是/否”及投产时间", layout="2025_started"))

    # 8. lead libraries (线索库): every lead entered in the year with its status at the data date;
    # 2025 also carries the 2024 leads still open at the end of 2024
    everyone = sorted(P + model.prospects, key=lambda p: (p.lead or p.negotiation or AS_OF, p.pid))
    end24 = dt.date(2024, 12, 31)
    rows = [w.pipeline_row(p, "lead", end24, p_vary=0.1, unit_style="mixed", chain_style="tag",
                           date_forms=[d_dot], amount_unit=10000)
            for p in everyone if p.lead and p.lead.year == 2024]
    ledgers.append(Ledger("2024年招商引资项目线索库台账.xlsx", [Sheet("线索库", "lead", end24, rows)],
                          "线索库：表头“线索名称”“拟投资额（亿元）”“录入时间”“线索来源”“洽谈进展”（已转入洽谈/已签约/已终止/跟踪中）、"
                          f"录入时间为文本“2024.3.15”、拟投资额部分“待定”、{NEAR_MISSES}条线索名称与其后签约的项目名称略有不同"
                          "（加“有限公司”“生产线”“（一期）”，不能自动识别为同一项目，进入核对清单）", layout="2024_lead"))
    rows = [w.pipeline_row(p, "lead", AS_OF, p_vary=0.1, unit_style="mixed", chain_style="canonical",
                           date_forms=[d_excel])
            for p in everyone
            if p.lead and (p.lead.year == 2025 or (p.lead.year == 2024 and open_lead(p, end24)))]
    ledgers.append(Ledger("2025年1-9月招商引资项目线索库台账.xlsx", [Sheet("1-9月", "lead", AS_OF, rows)],
                          "线索库：单位行“单位：万元”、表头同义词（线索录入时间、信息来源、客商来源地、意向投资额）、"
                          "录入时间为Excel日期、含2024年录入至年底仍在对接的线索（录入时间仍为2024年）", layout="2025_lead"))

    # 9. negotiation libraries (洽谈库): every project under negotiation at some time in the year
    def pipeline_order(p: Project):
        return (by_unit[p.unit.unit_id], p.negotiation or AS_OF, p.pid)

    def negotiating_in(p: Project, year: int) -> bool:
        end = p.signed or p.closed
        return bool(p.negotiation) and p.negotiation.year <= year and (end is None or end.year >= year)

    rows = [w.pipeline_row(p, "negotiating", end24, p_vary=0.1, unit_style="short", chain_style="mixed",
                           date_forms=[d_slash, d_excel], amount_unit=10000)
            for p in sorted(everyone, key=pipeline_order) if negotiating_in(p, 2024)]
    ledgers.append(Ledger("2024年洽谈项目台账.xlsx", [Sheet("洽谈项目", "negotiating", end24, rows)],
                          "洽谈库：首次洽谈时间混用“2024/3/15”和Excel日期、意向投资额（亿元）、存在问题、"
                          "含2023年开始洽谈、2024年签约的项目，县区简称", layout="2024_negotiating"))
    rows = [w.pipeline_row(p, "negotiating", AS_OF, p_vary=0.1, unit_style="mixed", chain_style="canonical",
                           date_forms=[d_cn])
            for p in sorted(everyone, key=pipeline_order) if negotiating_in(p, 2025) and p.negotiation <= AS_OF]
    ledgers.append(Ledger("2025年1-9月洽谈项目台账.xlsx", [Sheet("1-9月", "negotiating", AS_OF, rows)],
                          "洽谈库：表头同义词（首次洽谈日期、洽谈进展情况）、日期为文本“2025年3月15日”、金额万元、"
                          "含2024年开始洽谈仍在推进或2025年签约的项目", layout="2025_negotiating"))
    return ledgers


# ------------------------------------------------------------------ the oracle (a test helper)
# The generator's check: the written cells read back by rules of its own, written apart
# from etl/ on purpose (a loader bug cannot hide in both). The sample's figures are what
# this oracle reads; the tests then hold the loader and the pages to the same figures.

def parse_wan(value, unit: int) -> Decimal:
    if isinstance(value, (int, float)):
        return Decimal(repr(value)) * unit
    text = nfkc(str(value)).replace(",", "").strip()
    m = re.fullmatch(r"约?(\d+(?:\.\d+)?)(亿元|亿|万元|万)?", text)
    assert m, value
    mult = {"亿元": 10000, "亿": 10000, "万元": 1, "万": 1}.get(m.group(2), unit)
    return Decimal(m.group(1)) * mult


def parse_day(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    text = nfkc(str(value)).strip()
    for pattern in (r"(\d{4})[./\-年](\d{1,2})[./\-月](\d{1,2})日?", r"(\d{4})(\d{2})(\d{2})"):
        if m := re.fullmatch(pattern, text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{4})[./年](\d{1,2})月?", text)
    assert m, value
    return dt.date(int(m[1]), int(m[2]), 1)


def oracle_figures(ledgers: list[Ledger], ref: Reference) -> dict:
    """The headline figures recomputed from the written cell values, independently of etl/."""
    unit_index = {}
    for u in ref.units:
        for t in (u.name, *u.aliases):
            unit_index.setdefault(re.sub(r"\s+", "", nfkc(t)), u.unit_id)

    def unit_id(text: str) -> str:
        t = re.sub(r"\s+", "", nfkc(text))
        if t not in unit_index and t.startswith(ref.city_name):
            t = t[len(ref.city_name):]
        return unit_index[t]

    def code_of(value) -> str | None:
        t = (value or "").strip()
        return t if re.fullmatch(r"\d{4}-\d{6}-\d{2}-\d{2}-\d{6}", t) else None

    parent: dict = {}

    def find(k):
        parent.setdefault(k, k)
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    records = []  # (kind, as_of, order, keys, row, sheet)
    order = 0
    for ledger in ledgers:
        for sheet in ledger.sheets:
            if sheet.kind == "other":
                continue
            for row in sheet.rows:
                order += 1
                keys = [("nu", norm_name(row["name"]), unit_id(row["unit"]))]
                if code := code_of(row.get("code")):
                    keys.insert(0, ("code", code))
                for k in keys[1:]:
                    parent[find(k)] = find(keys[0])
                find(keys[0])
                records.append((sheet.kind, sheet.as_of, order, keys, row, sheet))

    groups: dict = {}
    for rec in records:
        groups.setdefault(find(rec[3][0]), []).append(rec)
    projects = {}
    for comp, recs in groups.items():
        pids = {rec[4]["_p"].pid for rec in recs}
        assert len(pids) == 1, f"rows of different projects merged: {[r[4]['name'] for r in recs]}"
        signed = [r for r in recs if r[0] == "signed"]
        started = sorted((r for r in recs if r[0] == "started"), key=lambda r: (r[1], r[2]))
        leads = [parse_day(r[4]["lead"]) for r in recs if r[0] == "lead"]
        info = {"p": recs[0][4]["_p"], "signed": None, "amount": None, "start": None,
                "planned": Decimal(0), "funds": Decimal(0), "lead": min(leads, default=None),
                "near_miss": all(r[4].get("_near_miss") for r in recs)}
        if signed:
            dates = {parse_day(r[4]["signed"]) for r in signed}
            amounts = {parse_wan(r[4]["amount"], r[5].amount_unit) for r in signed}
            assert len(dates) == 1 and len(amounts) == 1, (info["p"].name, dates, amounts)
            info["signed"], info["amount"] = dates.pop(), amounts.pop()
            assert info["amount"] == info["p"].amount
        if started:
            starts = [parse_day(r[4]["start"]) for r in started]
            assert len({(d.year, d.month) for d in starts}) == 1, starts
            info["start"] = min(starts)
            if info["signed"]:
                assert info["start"] > info["signed"], (info["p"].name, info["signed"], starts)
            funds = [Decimal(r[4]["funds"]) for r in started]
            assert funds == sorted(funds), (info["p"].name, funds)
            last = started[-1]
            info["planned"] = parse_wan(last[4]["planned"], last[5].planned_unit)
            info["funds"] = funds[-1]
        projects[comp] = info
    pid_count = {}
    for info in projects.values():
        if not info["near_miss"]:  # deliberately split off, see NEAR_MISSES
            pid_count[info["p"].pid] = pid_count.get(info["p"].pid, 0) + 1
    assert all(c == 1 for c in pid_count.values()), "a project split into several identities"

    # cumulative sheets re-list everything of the previous sheet of the same file
    for ledger in ledgers:
        cum = [s for s in ledger.sheets if s.cumulative]
        for a, b in zip(cum, cum[1:]):
            assert {r["_p"].pid for r in a.rows} <= {r["_p"].pid for r in b.rows}, ledger.filename

    figures = {}
    for year in YEARS:
        cohort = [i for i in projects.values() if i["signed"] and i["signed"].year == year]
        started = [i for i in cohort if i["start"] and i["start"] <= AS_OF]
        figures[year] = dict(
            signed=len(cohort), amount=sum(i["amount"] for i in cohort), started=len(started),
            planned=sum(i["planned"] for i in started), funds=sum(i["funds"] for i in cohort))
    figures["unmatched_projects"] = sum(1 for i in projects.values() if i["start"] and not i["signed"])
    figures["unmatched_rows"] = sum(1 for r in records if r[0] == "started" and r[4]["_p"].year is None)
    # 四库: leads entered per year and how many of them were signed by the data date
    figures["leads"] = {}
    for year in LEADS:
        cohort = [i for i in projects.values() if i["lead"] and i["lead"].year == year]
        figures["leads"][year] = dict(total=len(cohort), signed=sum(1 for i in cohort if i["signed"]))
    figures["near_misses"] = sum(1 for i in projects.values() if i["near_miss"])
    return figures


def check(model: Model, ledgers: list[Ledger]) -> dict:
    figures = oracle_figures(ledgers, model.ref)
    f24, f23 = figures[2024], figures[2023]
    got = {k: f24[k] for k in TARGET_2024}
    assert got == TARGET_2024, f"2024 figures {got} != {TARGET_2024}"
    assert {k: f23[k] for k in TARGET_2023} == TARGET_2023, f23
    assert 3 <= figures["unmatched_rows"] <= 5, figures
    lead25 = LEADS[2025]
    assert figures["leads"][2025] == dict(total=lead25["total"], signed=lead25["signed_same_year"]), figures["leads"]
    assert figures["near_misses"] == NEAR_MISSES, figures["near_misses"]
    # the model itself agrees
    c24 = model.signed_in(2024)
    assert len(c24) == 539 and sum(p.amount for p in c24) == TARGET_2024["amount"]
    assert sum(1 for p in c24 if p.start) == TARGET_2024["started"]
    # size bands of 2024 (docs/domain.md: 57.8 / 30.4 / 10.3 / 1.6 %)
    bands = [sum(1 for p in c24 if BAND_BOUNDS[b][0] <= p.amount <= BAND_BOUNDS[b][1]) for b in range(4)]
    assert bands == list(YEARS[2024]["bands"]), bands
    # every unit and chain is used; zones around 15 %
    used_units = {p.unit.unit_id for p in model.projects}
    assert used_units == {u.unit_id for u in model.ref.units}, "unused units"
    assert {p.chain for p in model.projects} == set(model.ref.chains), "unused chains"
    # the unit forms the reader must resolve appear somewhere
    written = {r["unit"] for lg in ledgers for s in lg.sheets for r in s.rows}
    wanted = []
    for u in model.ref.units:
        if u.aliases:
            wanted.append(u.aliases[0])
    for form in wanted:
        assert form in written, f"unit form {form!r} never written"
    assert any(t.startswith(model.ref.city_name) for t in written), "no unit with the city prefix"
    return figures


# ------------------------------------------------------------------ xlsx / xls / csv writing

def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    side = Side(style="thin", color="999999")
    return dict(
        title=Font(name="宋体", size=16, bold=True), head=Font(name="宋体", size=11, bold=True),
        fill=PatternFill("solid", fgColor="DDEBF7"), border=Border(left=side, right=side, top=side, bottom=side),
        center=Alignment(horizontal="center", vertical="center", wrap_text=True),
        right=Alignment(horizontal="right", vertical="center"),
        wrap=Alignment(vertical="center", wrap_text=True))


def _depth(spec) -> int:
    return max(1 if isinstance(x[1], str) else 1 + _depth(x[1]) for x in spec)


def _leaves(spec) -> list[tuple[str, str]]:
    out = []
    for x in spec:
        out += [x] if isinstance(x[1], str) else _leaves(x[1])
    return out


def write_header(ws, row: int, col: int, spec, st, depth: int | None = None) -> list[tuple[str, str]]:
    """Header cells of a (possibly grouped) spec: leaves are (label, field), groups (label, [..])."""
    depth = depth or _depth(spec)
    c = col
    for label, sub in spec:
        if isinstance(sub, str):
            width = 1
            if depth > 1:
                ws.merge_cells(start_row=row, start_column=c, end_row=row + depth - 1, end_column=c)
        else:
            width = len(_leaves(sub))
            if width > 1:
                ws.merge_cells(start_row=row, start_column=c, end_row=row, end_column=c + width - 1)
            write_header(ws, row + 1, c, sub, st, depth - 1)
        for r in range(row, row + (depth if isinstance(sub, str) else 1)):
            for cc in range(c, c + width):
                cell = ws.cell(row=r, column=cc)
                cell.border, cell.fill, cell.font, cell.alignment = st["border"], st["fill"], st["head"], st["center"]
        ws.cell(row=row, column=c, value=label)
        c += width
    return _leaves(spec)


WIDTH = {"seq": 6, "name": 42, "investor": 34, "origin": 14, "unit": 14, "chain": 14, "amount": 14,
         "signed": 14, "resp": 22, "leaders": 14, "remark": 26, "code": 26, "start": 13, "planned": 13,
         "funds": 13, "funds_year": 13, "started": 9, "progress": 26, "nature": 9, "contact": 20,
         "count": 10, "intended": 14, "source": 13, "lead": 13, "status": 24, "negotiation": 14,
         "problems": 20, "produced": 9, "production": 13}
AMOUNT_FIELDS = {"amount", "planned", "funds", "funds_year", "intended"}


def write_rows(ws, top: int, left: int, leaves, rows, st, *, formats: dict, date_format="yyyy/m/d",
               seq=True, start_seq=1) -> int:
    """Write data rows; returns the next free row."""
    r = top
    n = start_seq
    for row in rows:
        for j, (_, key) in enumerate(leaves):
            value = n if key == "seq" and seq else row.get(key)
            if value is None or value == "":
                continue
            cell = ws.cell(row=r, column=left + j, value=value)
            if isinstance(value, dt.date):
                cell.number_format = date_format
            elif isinstance(value, (int, float)) and key in formats:
                cell.number_format = formats[key]
            if key in ("name", "investor", "progress", "remark"):
                cell.alignment = st["wrap"]
        r += 1
        n += 1
    return r


def set_widths(ws, left: int, leaves) -> None:
    from openpyxl.utils import get_column_letter
    for j, (_, key) in enumerate(leaves):
        ws.column_dimensions[get_column_letter(left + j)].width = WIDTH.get(key, 12)


def title_row(ws, row: int, left: int, ncols: int, text: str, st, height=30) -> None:
    ws.merge_cells(start_row=row, start_column=left, end_row=row, end_column=left + ncols - 1)
    cell = ws.cell(row=row, column=left, value=text)
    cell.font, cell.alignment = st["title"], st["center"]
    ws.row_dimensions[row].height = height


def line_row(ws, row: int, left: int, ncols: int, text: str, st, align="right") -> None:
    ws.merge_cells(start_row=row, start_column=left, end_row=row, end_column=left + ncols - 1)
    cell = ws.cell(row=row, column=left, value=text)
    cell.alignment = st["right"] if align == "right" else st["wrap"]


def total_row(ws, row: int, left: int, leaves, label: str, sums: dict, formats: dict, st, merge_to=2) -> None:
    ws.merge_cells(start_row=row, start_column=left, end_row=row, end_column=left + merge_to - 1)
    ws.cell(row=row, column=left, value=label).alignment = st["center"]
    for j, (_, key) in enumerate(leaves):
        if key in sums:
            cell = ws.cell(row=row, column=left + j, value=sums[key])
            cell.number_format = formats.get(key, "General")
    for j in range(len(leaves)):
        ws.cell(row=row, column=left + j).font = st["head"]


def save_xlsx(wb, path: Path) -> None:
    """Save with fixed zip timestamps and document dates: the same cells give the same bytes."""
    stamp = dt.datetime(*FIXED_TIME)
    wb.properties.creator = "scripts/make_sample.py"
    wb.properties.created = stamp
    buf = io.BytesIO()
    wb.save(buf)
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + iso + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zout.writestr(entry, data)


def footer_names(model: Model, k: int) -> list[str]:
    rng = random.Random(SEED + 7 + k)
    return [rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(2)]


# Columns of each layout, as (header text, field); a group is (header text, [columns]).
COLUMNS = {
    "2023_signed": [("序号", "seq"), ("项目名称", "name"), ("投资方情况", [("投资方", "investor"), ("投资方所在地", "origin")]),
        ("所属县（市、区）", "unit"), ("所属产业链", "chain"),
        ("签约情况", [("签约金额", "amount"), ("签约时间", "signed")]),
        ("责任单位", "resp"), ("包联领导", "leaders"), ("备注", "remark")],
    "2023_started": [("序号", "seq"), ("项目名称", "name"), ("项目代码", "code"), ("县（市、区）", "unit"),
        ("产业链", "chain"), ("计划总投资（万元）", "planned"), ("开工时间", "start"),
        ("是否开工", "started"), ("累计到位资金（万元）", "funds"), ("项目进展", "progress")],
    "2024_h1": [("序号", "seq"), ("签约项目名称", "name"), ("签约企业", "investor"), ("客商来源地", "origin"),
        ("县市区", "unit"), ("重点产业链", "chain"), ("签约金额（亿元）", "amount"), ("签约日期", "signed"),
        ("牵头单位", "resp"), ("责任领导", "leaders"), ("备注", "remark")],
    "2024_h2": [("序号", "seq"), ("项目名称", "name"), ("项目编号", "code"), ("投资方", "investor"),
        ("投资方所在地", "origin"), ("县（市、区）", "unit"), ("产业链", "chain"),
        ("企业联系人及电话", "contact"), ("签约金额（万元）", "amount"), ("签约时间", "signed"),
        ("责任单位", "resp"), ("包联领导", "leaders"), ("备注", "remark")],
    "2024_h2_summary": [("县（市、区）", "unit"), ("项目数", "count"), ("签约金额（万元）", "amount")],
    "county_csv": [("序号", "seq"), ("项目名称", "name"), ("投资方", "investor"), ("来源地", "origin"),
        ("属地", "unit"), ("产业类别", "chain"), ("签约金额（万元）", "amount"), ("签约时间", "signed"),
        ("对接单位", "resp"), ("备注", "remark")],
    "2024_started": [("序号", "seq"), ("项目名称", "name"), ("项目代码", "code"), ("所属县（市、区）", "unit"),
        ("所属产业链", "chain"), ("是否开工", "started"), ("开工时间", "start"),
        ("投资情况（万元）", [("计划总投资", "planned"),
        ("到位资金", [("累计到位资金", "funds"), ("本年到位资金", "funds_year")])]),
        ("责任单位", "resp"), ("包联领导", "leaders"), ("项目进展", "progress")],
    "2025_signed": [("序号", "seq"), ("项目名称", "name"), ("项目代码", "code"), ("投资方", "investor"),
        ("投资方所在地", "origin"), ("所属县（市、区、开发区）", "unit"), ("所属产业链", "chain"),
        ("签约金额（万元）", "amount"), ("签约时间", "signed"), ("责任单位", "resp"),
        ("包联领导", "leaders"), ("备注", "remark")],
    "2025_started": [("序号", "seq"), ("项目名称", "name"), ("统一项目代码", "code"), ("县区", "unit"),
        ("产业链", "chain"), ("建设性质", "nature"), ("开工情况", "started"), ("实际开工时间", "start"),
        ("计划总投资（亿元）", "planned"), ("累计到位资金（万元）", "funds"),
        ("本年到位资金（万元）", "funds_year"), ("责任单位", "resp"), ("包联领导", "leaders"),
        ("进展情况", "progress"), ("是否投产", "produced"), ("投产时间", "production")],
    "2024_lead": [("序号", "seq"), ("线索名称", "name"), ("投资方", "investor"), ("投资方所在地", "origin"),
        ("所属县（市、区）", "unit"), ("所属产业链", "chain"), ("拟投资额（亿元）", "intended"),
        ("线索来源", "source"), ("录入时间", "lead"), ("洽谈进展", "status"), ("责任单位", "resp"),
        ("包联领导", "leaders")],
    "2025_lead": [("序号", "seq"), ("项目名称", "name"), ("投资方", "investor"), ("客商来源地", "origin"),
        ("县（市、区、开发区）", "unit"), ("产业链", "chain"), ("意向投资额", "intended"),
        ("信息来源", "source"), ("线索录入时间", "lead"), ("洽谈进展", "status"), ("责任单位", "resp"),
        ("包联领导", "leaders")],
    "2024_negotiating": [("序号", "seq"), ("项目名称", "name"), ("投资方", "investor"),
        ("投资方所在地", "origin"), ("县（市、区）", "unit"), ("产业链", "chain"),
        ("意向投资额（亿元）", "intended"), ("首次洽谈时间", "negotiation"), ("洽谈进展", "status"),
        ("存在问题", "problems"), ("责任单位", "resp"), ("包联领导", "leaders")],
    "2025_negotiating": [("序号", "seq"), ("项目名称", "name"), ("投资方", "investor"),
        ("投资方所在地", "origin"), ("所属县（市、区）", "unit"), ("所属产业链", "chain"),
        ("意向投资额（万元）", "intended"), ("首次洽谈日期", "negotiation"), ("洽谈进展情况", "status"),
        ("存在问题", "problems"), ("责任单位", "resp"), ("包联领导", "leaders")],
}
# title, line under it (None: none), date format, amount format of the lead and negotiation ledgers
PIPELINE_LAYOUTS = {
    "2024_lead": ("{city}2024年招商引资项目线索库台账", None, "yyyy-mm-dd", "0.00##"),
    "2025_lead": ("{city}2025年1-9月招商引资项目线索库台账", "单位：万元", "yyyy-mm-dd", "#,##0"),
    "2024_negotiating": ("{city}2024年招商引资洽谈项目台账", None, "yyyy/m/d", "0.00##"),
    "2025_negotiating": ("{city}2025年1-9月招商引资洽谈项目台账（数据截至{as_of}）", None, "yyyy-mm-dd", "#,##0"),
}


def write_2023_signed(ledger: Ledger, model: Model, out: Path) -> None:
    from openpyxl import Workbook
    st = _styles()
    wb = Workbook()
    ws = wb.active
    sheet = ledger.sheets[0]
    ws.title = sheet.name
    spec = COLUMNS["2023_signed"]
    leaves = _leaves(spec)
    title_row(ws, 1, 1, len(leaves), f"{model.ref.city_name}2023年1-12月招商引资签约项目台账", st)
    line_row(ws, 2, 1, len(leaves), "单位：万元", st)
    write_header(ws, 3, 1, spec, st)
    formats = {"amount": "#,##0"}
    total_row(ws, 5, 1, leaves, "合计", {"amount": sum(r["_p"].amount for r in sheet.rows)}, formats, st)
    write_rows(ws, 6, 1, leaves, sheet.rows, st, formats=formats, date_format="yyyy-mm-dd")
    set_widths(ws, 1, leaves)
    ws.freeze_panes = "C6"
    save_xlsx(wb, out / ledger.filename)


def write_2023_started(ledger: Ledger, model: Model, out: Path) -> None:
    import xlwt
    sheet = ledger.sheets[0]
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet.name)
    title = xlwt.easyxf("font: bold on, height 320; align: horiz center, vert center")
    head = xlwt.easyxf("font: bold on; align: horiz center, vert center, wrap on; "
                       "borders: left thin, right thin, top thin, bottom thin; "
                       "pattern: pattern solid, fore_colour light_turquoise")
    wrap = xlwt.easyxf("align: wrap on, vert center")
    money = xlwt.easyxf("align: vert center", num_format_str="#,##0")
    leaves = COLUMNS["2023_started"]
    ws.write_merge(0, 0, 0, len(leaves) - 1, f"{model.ref.city_name}2023年招商引资项目开工情况台账", title)
    ws.row(0).height_mismatch = True
    ws.row(0).height = 600
    for j, (label, key) in enumerate(leaves):
        ws.write(1, j, label, head)
        ws.col(j).width = 256 * WIDTH.get(key, 12)
    r = 2
    for n, row in enumerate(sheet.rows, 1):
        for j, (_, key) in enumerate(leaves):
            value = n if key == "seq" else row.get(key)
            if value is None:
                continue
            ws.write(r, j, value, money if key in AMOUNT_FIELDS else wrap)
        r += 1
    ws.write(r + 1, 0, f"填报单位：{model.ref.city_name}招商投资促进中心")
    ws.write(r + 2, 0, "填报日期：2024年1月10日")
    book.save(str(out / ledger.filename))


def write_2024_h1(ledger: Ledger, model: Model, out: Path) -> None:
    from openpyxl import Workbook
    st = _styles()
    wb = Workbook()
    city = model.ref.city_name
    ws = wb.active
    ws.title = "说明"
    notes = ["填报说明",
             f"1. 本台账为{city}2024年1-6月招商引资签约项目台账，“1-3月”“1-6月”工作表均为年初至当月末的累计数，"
             "1-6月已包含1-3月的项目，请勿相加。",
             "2. 金额单位：亿元，保留四位小数。",
             "3. 签约时间以正式签约仪式或协议签订日期为准。",
             "4. 数据由各县（市、区）、开发区报送，市招商投资促进中心汇总。",
             f"5. 联系人：{footer_names(model, 1)[0]}，联系电话：0359-2681234。"]
    for i, text in enumerate(notes, 1):
        ws.cell(row=i, column=1, value=text).alignment = st["wrap"] if i > 1 else st["center"]
    ws["A1"].font = st["title"]
    ws.column_dimensions["A"].width = 100
    leaves = COLUMNS["2024_h1"]
    formats = {"amount": "0.00##"}
    for sheet in ledger.sheets[1:]:
        ws = wb.create_sheet(sheet.name)
        title_row(ws, 1, 1, len(leaves), f"{city}2024年{sheet.name}招商引资签约项目台账", st)
        ws.cell(row=2, column=1, value=f"填报单位：{city}招商投资促进中心")
        ws.cell(row=2, column=8, value=f"数据截至：{d_cn(sheet.as_of)}").alignment = st["right"]
        ws.merge_cells(start_row=2, start_column=8, end_row=2, end_column=11)
        write_header(ws, 3, 1, leaves, st)
        r = write_rows(ws, 4, 1, leaves, sheet.rows, st, formats=formats)
        total = sum(r_["_p"].amount for r_ in sheet.rows)
        total_row(ws, r, 1, leaves, "合计", {"amount": yi(total)}, formats, st)
        set_widths(ws, 1, leaves)
        ws.freeze_panes = "C4"
    save_xlsx(wb, out / ledger.filename)


def write_2024_h2(ledger: Ledger, model: Model, out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    st = _styles()
    wb = Workbook()
    wb.remove(wb.active)
    city = model.ref.city_name
    leaves = COLUMNS["2024_h2"]
    hidden = leaves.index(("企业联系人及电话", "contact"))
    formats = {"amount": "#,##0"}
    left, amount_col = 2, 2 + leaves.index(("签约金额（万元）", "amount"))
    rng = random.Random(SEED + 3)
    for k, sheet in enumerate(ledger.sheets):
        if sheet.kind == "other":
            continue
        ws = wb.create_sheet(sheet.name)
        ws.column_dimensions["A"].width = 3
        title_row(ws, 2, left, len(leaves), f"{city}2024年{sheet.name}招商引资签约项目台账", st)
        line_row(ws, 3, left, len(leaves), "单位：万元", st)
        write_header(ws, 4, left, leaves, st)
        r = 5
        groups: list[tuple[Unit, list[dict]]] = []
        for row in sheet.rows:
            if not groups or groups[-1][0] is not row["_p"].unit:
                groups.append((row["_p"].unit, []))
            groups[-1][1].append(row)
        blank_after = rng.randrange(len(sheet.rows)) if len(sheet.rows) > 4 else -1
        written = 0
        for gi, (unit, rows) in enumerate(groups, 1):
            ws.merge_cells(start_row=r, start_column=left, end_row=r, end_column=left + 6)
            ws.cell(row=r, column=left, value=f"{cn_index(gi)}、{unit.name}").font = st["head"]
            r += 1
            for n, row in enumerate(rows, 1):
                write_rows(ws, r, left, leaves, [row], st, formats=formats, start_seq=n)
                r += 1
                written += 1
                if written - 1 == blank_after:
                    r += 1  # a blank row inside the table
            ws.cell(row=r, column=left + 1, value="小计").font = st["head"]
            cell = ws.cell(row=r, column=amount_col, value=sum(x["_p"].amount for x in rows))
            cell.number_format, cell.font = formats["amount"], st["head"]
            r += 1
        total_row(ws, r, left, leaves, "合计", {"amount": sum(x["_p"].amount for x in sheet.rows)}, formats, st)
        r += 2
        filler, checker = footer_names(model, 10 + k)
        ws.cell(row=r, column=left, value=f"填报人：{filler}        审核人：{checker}        联系电话：0359-2{rng.randrange(100000, 999999)}")
        ws.cell(row=r + 1, column=left, value=f"填报日期：{d_cn(sheet.as_of + dt.timedelta(days=5))}")
        set_widths(ws, left, leaves)
        ws.column_dimensions[get_column_letter(left + hidden)].hidden = True
    # 汇总: per unit, not a project list
    ws = wb.create_sheet("汇总")
    title_row(ws, 1, 1, 3, f"{city}2024年7-12月招商引资签约项目汇总表", st)
    write_header(ws, 2, 1, COLUMNS["2024_h2_summary"], st)
    rows = [p for s in ledger.sheets if s.kind == "signed" for p in (r_["_p"] for r_ in s.rows)]
    r = 3
    for u in model.ref.units:
        mine = [p for p in rows if p.unit.unit_id == u.unit_id]
        ws.cell(row=r, column=1, value=u.name)
        ws.cell(row=r, column=2, value=len(mine))
        ws.cell(row=r, column=3, value=sum(p.amount for p in mine)).number_format = "#,##0"
        r += 1
    ws.cell(row=r, column=1, value="合计").font = st["head"]
    ws.cell(row=r, column=2, value=len(rows)).font = st["head"]
    cell = ws.cell(row=r, column=3, value=sum(p.amount for p in rows))
    cell.number_format, cell.font = "#,##0", st["head"]
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 18
    save_xlsx(wb, out / ledger.filename)


def write_county_csv(ledger: Ledger, model: Model, out: Path) -> None:
    sheet = ledger.sheets[0]
    leaves = COLUMNS["county_csv"]
    rows = sorted(sheet.rows, key=lambda r: (r["_p"].signed, r["_p"].pid))
    with (out / ledger.filename).open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([label for label, _ in leaves])
        for n, row in enumerate(rows, 1):
            writer.writerow([n if key == "seq" else ("" if row.get(key) is None else row[key])
                             for _, key in leaves])
        total = sum(r["_p"].amount for r in rows)
        writer.writerow(["合计" if key == "seq" else total if key == "amount" else "" for _, key in leaves])


def write_2024_started(ledger: Ledger, model: Model, out: Path) -> None:
    from openpyxl import Workbook
    st = _styles()
    wb = Workbook()
    wb.remove(wb.active)
    spec = COLUMNS["2024_started"]
    leaves = _leaves(spec)
    formats = {k: "#,##0" for k in ("planned", "funds", "funds_year")}
    for sheet in ledger.sheets:
        ws = wb.create_sheet(sheet.name)
        title_row(ws, 1, 1, len(leaves), f"{model.ref.city_name}2024年{sheet.name}招商引资项目开工台账", st)
        write_header(ws, 2, 1, spec, st)
        sums = {k: sum(r[k] for r in sheet.rows) for k in ("planned", "funds", "funds_year")}
        total_row(ws, 5, 1, leaves, "合计", sums, formats, st)
        write_rows(ws, 6, 1, leaves, sheet.rows, st, formats=formats, date_format="yyyy-mm-dd")
        set_widths(ws, 1, leaves)
        ws.freeze_panes = "C6"
    save_xlsx(wb, out / ledger.filename)


def write_2025_signed(ledger: Ledger, model: Model, out: Path) -> None:
    from openpyxl import Workbook
    st = _styles()
    wb = Workbook()
    wb.remove(wb.active)
    leaves = COLUMNS["2025_signed"]
    formats = {"amount": "#,##0"}
    for sheet in ledger.sheets:
        ws = wb.create_sheet(sheet.name)
        title_row(ws, 1, 1, len(leaves), f"{model.ref.city_name}2025年{sheet.name}招商引资签约项目台账", st)
        line_row(ws, 2, 1, len(leaves), "单位：万元", st)
        write_header(ws, 3, 1, leaves, st)
        total_row(ws, 4, 1, leaves, "合计", {"amount": sum(r["_p"].amount for r in sheet.rows)}, formats, st)
        write_rows(ws, 5, 1, leaves, sheet.rows, st, formats=formats, date_format="yyyy-mm-dd")
        set_widths(ws, 1, leaves)
        ws.freeze_panes = "C5"
    save_xlsx(wb, out / ledger.filename)


def write_2025_started(ledger: Ledger, model: Model, out: Path) -> None:
    from openpyxl import Workbook
    st = _styles()
    wb = Workbook()
    ws = wb.active
    sheet = ledger.sheets[0]
    ws.title = sheet.name
    leaves = COLUMNS["2025_started"]
    formats = {"planned": "0.00##", "funds": "#,##0", "funds_year": "#,##0"}
    title_row(ws, 1, 1, len(leaves),
              f"{model.ref.city_name}2025年1-9月招商引资项目开工情况台账（数据截至{d_cn(AS_OF)}）", st)
    write_header(ws, 2, 1, leaves, st)
    r = write_rows(ws, 3, 1, leaves, sheet.rows, st, formats=formats, date_format='yyyy"年"m"月"d"日"')
    filler, checker = footer_names(model, 30)
    ws.cell(row=r + 1, column=1, value=f"填报人：{filler}    审核人：{checker}    填报日期：2025年10月8日")
    set_widths(ws, 1, leaves)
    ws.freeze_panes = "C3"
    save_xlsx(wb, out / ledger.filename)


def write_pipeline(ledger: Ledger, model: Model, out: Path) -> None:
    """A lead or negotiation ledger: title, optional unit line, one header row, the rows."""
    from openpyxl import Workbook
    st = _styles()
    wb = Workbook()
    ws = wb.active
    sheet = ledger.sheets[0]
    ws.title = sheet.name
    leaves = COLUMNS[ledger.layout]
    title, line, date_format, amount_format = PIPELINE_LAYOUTS[ledger.layout]
    title_row(ws, 1, 1, len(leaves), title.format(city=model.ref.city_name, as_of=d_cn(sheet.as_of)), st)
    top = 2
    if line:
        line_row(ws, 2, 1, len(leaves), line, st)
        top = 3
    write_header(ws, top, 1, leaves, st)
    write_rows(ws, top + 1, 1, leaves, sheet.rows, st, formats={"intended": amount_format}, date_format=date_format)
    set_widths(ws, 1, leaves)
    ws.freeze_panes = f"C{top + 1}"
    save_xlsx(wb, out / ledger.filename)


WRITERS = {
    "2023_signed": write_2023_signed,
    "2023_started": write_2023_started,
    "2024_h1": write_2024_h1,
    "2024_h2": write_2024_h2,
    "county_csv": write_county_csv,
    "2024_started": write_2024_started,
    "2025_signed": write_2025_signed,
    "2025_started": write_2025_started,
    "2024_lead": write_pipeline,
    "2025_lead": write_pipeline,
    "2024_negotiating": write_pipeline,
    "2025_negotiating": write_pipeline,
}
HEADER_AT = {  # where the table is, for README.md
    "2023_signed": "A1 title (merged), A2 “单位：万元”, header rows 3-4 (groups merged), row 5 合计, data from row 6",
    "2023_started": "row 1 title (merged), header row 2, data from row 3, footer lines after one blank row",
    "2024_h1": "row 1 title, row 2 填报单位/数据截至, header row 3, data from row 4, 合计 last",
    "2024_h2": "table at column B: B2 title, B3 “单位：万元”, header row 4, then per unit: group row "
               "“一、盐湖区” (merged B:H), projects (序号 restarts per group), 小计 row (“小计” in C); "
               "one blank row inside; 合计 after the last group; footer 填报人/审核人/联系电话, 填报日期; "
               "column I (企业联系人及电话) hidden",
    "county_csv": "header in line 1, data from line 2, 合计 line last; GBK, CRLF, quoted newlines",
    "2024_started": "row 1 title, header rows 2-4 (three levels, merged), row 5 合计, data from row 6",
    "2025_signed": "row 1 title, row 2 “单位：万元”, header row 3, row 4 合计, data from row 5",
    "2025_started": "row 1 title (with 数据截至), header row 2, data from row 3, footer after one blank row",
    "2024_lead": "row 1 title, header row 2, data from row 3",
    "2025_lead": "row 1 title, row 2 “单位：万元”, header row 3, data from row 4",
    "2024_negotiating": "row 1 title, header row 2, data from row 3",
    "2025_negotiating": "row 1 title (with 数据截至), header row 2, data from row 3",
}


# ------------------------------------------------------------------ blank templates

SIGNED_TEMPLATE = ["序号", "项目名称", "项目代码", "投资方", "投资方所在地", "所属县（市、区）", "所属产业链",
                   "签约金额（万元）", "签约时间", "责任单位", "包联领导", "备注"]
STARTED_TEMPLATE = ["序号", "项目名称", "项目代码", "所属县（市、区）", "所属产业链", "计划总投资（万元）",
                    "开工时间", "累计到位资金（万元）", "责任单位", "包联领导", "项目进展"]
TEMPLATE_ROWS = 500  # rows prepared with validation and formats


def write_template(path: Path, ref: Reference, kind: str) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.datetime import to_excel
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    st = _styles()
    headers = SIGNED_TEMPLATE if kind == "signed" else STARTED_TEMPLATE
    what = "签约" if kind == "signed" else "开工"
    date_header = "签约时间" if kind == "signed" else "开工时间"
    wb = Workbook()
    ws = wb.active
    ws.title = f"{what}项目台账"
    title_row(ws, 1, 1, len(headers), f"{ref.city_name}____年1-__月招商引资{what}项目台账（填报单位：________）", st)
    for j, h in enumerate(headers, 1):
        cell = ws.cell(row=2, column=j, value=h)
        cell.font, cell.fill, cell.border, cell.alignment = st["head"], st["fill"], st["border"], st["center"]
        key = {"项目名称": "name", "投资方": "investor", "项目代码": "code", "责任单位": "resp",
               "备注": "remark", "项目进展": "progress"}.get(h, "")
        ws.column_dimensions[get_column_letter(j)].width = WIDTH.get(key, 16 if len(h) > 5 else 13)
    ws.freeze_panes = "C3"
    first, last = 3, 2 + TEMPLATE_ROWS

    opts = wb.create_sheet("选项")
    opts["A1"], opts["B1"] = "县（市、区）", "产业链"
    for i, u in enumerate(ref.units, 2):
        opts.cell(row=i, column=1, value=u.name)
    for i, c in enumerate(ref.chains, 2):
        opts.cell(row=i, column=2, value=c)
    opts.sheet_state = "hidden"
    unit_range = f"选项!$A$2:$A${1 + len(ref.units)}"
    chain_range = f"选项!$B$2:$B${1 + len(ref.chains)}"
    wb.defined_names["县市区列表"] = DefinedName("县市区列表", attr_text=unit_range)
    wb.defined_names["产业链列表"] = DefinedName("产业链列表", attr_text=chain_range)

    def col(header: str) -> str:
        return get_column_letter(headers.index(header) + 1)

    def area(header: str) -> str:
        return f"{col(header)}{first}:{col(header)}{last}"

    dvs = []
    dv = DataValidation(type="list", formula1="=县市区列表", allow_blank=True)
    dv.promptTitle, dv.prompt = "所属县（市、区）", "请从下拉列表选择县（市、区）或开发区，不要自行输入简称"
    dv.errorTitle, dv.error = "县（市、区）不在列表中", "请从下拉列表选择"
    dv.add(area("所属县（市、区）"))
    dvs.append(dv)
    dv = DataValidation(type="list", formula1="=产业链列表", allow_blank=True)
    dv.promptTitle, dv.prompt = "所属产业链", "请从下拉列表选择产业链，不属于任何重点产业链的选“其他”"
    dv.errorTitle, dv.error = "产业链不在列表中", "请从下拉列表选择"
    dv.add(area("所属产业链"))
    dvs.append(dv)
    lo, hi = to_excel(dt.datetime(2000, 1, 1)), to_excel(dt.datetime(2099, 12, 31))
    dv = DataValidation(type="date", operator="between", formula1=str(int(lo)), formula2=str(int(hi)),
                        allow_blank=True)
    dv.promptTitle, dv.prompt = date_header, "请输入日期，如 2024-03-15（不要写成 2024.3.15 或 20240315）"
    dv.errorTitle, dv.error = "日期格式不正确", "请输入 2000-01-01 至 2099-12-31 之间的日期，如 2024-03-15"
    dv.add(area(date_header))
    dvs.append(dv)
    money = [h for h in headers if h.endswith("（万元）")]
    for h in money:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.promptTitle, dv.prompt = h, "请输入数字，单位万元，如 5000 或 12345.5（不要写“约”“万元”等文字）"
        dv.errorTitle, dv.error = "金额应为数字", "请输入不小于0的数字，单位万元"
        dv.add(area(h))
        dvs.append(dv)
    for dv in dvs:
        dv.showInputMessage = True
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
    for r in range(first, last + 1):
        ws[f"{col(date_header)}{r}"].number_format = "yyyy-mm-dd"
        for h in money:
            ws[f"{col(h)}{r}"].number_format = "#,##0.00"

    notes = wb.create_sheet("填表说明", 1)
    lines = [
        f"{what}项目台账填表说明",
        f"1. 每个项目填一行，从第3行开始填写；不要合并单元格，不要插入小计、合计或空行。",
        "2. 标题行请填写年份、截止月份和填报单位；工作表名可改为“1-3月”等期间。",
        "3. 所属县（市、区）、所属产业链请从下拉列表选择（选项在隐藏的“选项”工作表中）。",
        f"4. {date_header}请填写为日期，如 2024-03-15。",
        "5. 金额单位均为万元，只填数字。",
        "6. 项目代码为全国投资项目在线审批监管平台赋予的统一代码（格式 YYYY-AAAAAA-NN-NN-NNNNNN），暂无可不填。",
        "7. 包联领导有多人时用顿号“、”分隔。",
    ]
    if kind == "signed":
        lines.insert(6, "   签约金额为协议约定的投资总额；增资扩产项目只填新增部分。")
        lines.append("8. 同一项目在以后各期台账中保持项目名称不变，以便系统识别为同一项目。")
    else:
        lines.insert(6, "   计划总投资为本期（一期）工程计划投资；累计到位资金为开工以来累计数，不是本月数。")
        lines.append("8. 只填已开工项目；开工时间为实际开工日期，不是计划开工日期。")
    for i, text in enumerate(lines, 1):
        notes.cell(row=i, column=1, value=text).alignment = st["wrap"]
    notes["A1"].font = st["title"]
    notes.column_dimensions["A"].width = 110
    save_xlsx(wb, path)


# ------------------------------------------------------------------ README

README_HEAD = """# Sample ledgers (generated)

Written by `scripts/make_sample.py` (deterministic, seed {seed}; do not edit by hand: change the
generator and re-run `.venv/bin/python scripts/make_sample.py`). Data as of {as_of}.
Every ledger is one layout habit of docs/domain.md ("Layout habits of real ledgers").

Loaded together, they must give for the projects signed in 2024: **539** signed projects,
**3126.95 亿元** signed, **443** started (82.19 %), **546.98 亿元** planned investment of the
started ones, **157.19 亿元** funds in place (latest cumulative 到位资金 per project); for 2023:
519 projects, 2166.5 亿元; and {unmatched} started rows ({unmatched_projects} projects) never signed
in any signed ledger (unmatched, counted nowhere).
The generator recomputes these from the written cells with the identity rules below and
refuses to write files if they do not hold.

四库 (lead and negotiation libraries): {leads24} leads entered in 2024 ({signed24} of them signed by the
data date) and, the city's 2025 calibration, **{leads25}** leads entered in January-September 2025,
**{signed25}** of them signed. Signed projects appear first as leads and/or negotiations with earlier
dates; most other leads are dropped (洽谈进展 “已终止…”), some are still open. {near_misses} 2024 leads are
written under a slightly different name than the signed project (有限公司, 生产线 or （一期） added): they
stay separate projects and show up in the identity review list. The 2025 started ledger
reports 是否投产 and 投产时间.

Identity: project code (YYYY-AAAAAA-NN-NN-NNNNNN; AAAAAA = county adcode, host county for
zones) when present, else normalised name + reporting unit (whitespace removed, full-width
folded to half-width, trailing 项目 dropped). A project is re-listed with deliberate variants:
a newline or a stray (half- or full-width) space inside the name, 项目 dropped, full-width
digits; the unit as 盐湖区/盐湖, 绛县/绛　县, 运城市永济市, 运城经开区, etc.

| file | sheets | layout habit |
|---|---|---|
"""


def header_text(spec) -> str:
    """'A | B | G〔C | D〕' for a spec with groups."""
    return " | ".join(label if isinstance(sub, str) else f"{label}〔{header_text(sub)}〕" for label, sub in spec)


def write_readme(ledgers: list[Ledger], figures: dict, out: Path) -> None:
    leads = figures["leads"]
    text = README_HEAD.format(seed=SEED, as_of=AS_OF.isoformat(), unmatched=figures["unmatched_rows"],
                              unmatched_projects=figures["unmatched_projects"],
                              leads24=leads[2024]["total"], signed24=leads[2024]["signed"],
                              leads25=leads[2025]["total"], signed25=leads[2025]["signed"],
                              near_misses=figures["near_misses"])
    for lg in ledgers:
        sheets = "、".join(f"{s.name}（{len(s.rows)}行）" if s.kind != "other" else s.name for s in lg.sheets)
        text += f"| `{lg.filename}` | {sheets} | {lg.habit} |\n"
    f23, f24, f25 = figures[2023], figures[2024], figures[2025]

    def line(year, f):
        return (f"| {year} | {f['signed']} | {f['amount'] / 10000:.2f} | {f['started']} | "
                f"{f['planned'] / 10000:.2f} | {f['funds'] / 10000:.2f} |\n")

    text += ("\nFigures per signing year (as of " + AS_OF.isoformat() + "):\n\n"
             "| signed in | projects | 签约金额 亿元 | started | 计划总投资 亿元 | 到位资金 亿元 |\n"
             "|---|---|---|---|---|---|\n" + line(2023, f23) + line(2024, f24) + line("2025 (1-9月)", f25))
    text += "\n## Columns (header text as written, left to right)\n\n"
    for lg in ledgers:
        text += f"- `{lg.filename}`: {header_text(COLUMNS[lg.layout])}  \n  {HEADER_AT[lg.layout]}\n"
        if lg.layout == "2024_h2":
            text += f"  sheet 汇总: {header_text(COLUMNS['2024_h2_summary'])} (one row per unit, 合计 last)\n"
    text += ("\nBlank templates for staff are in `data/templates/` (签约项目台账模板.xlsx, "
             "开工项目台账模板.xlsx): canonical header, drop-downs for 所属县（市、区） and 所属产业链 "
             "from the hidden sheet 选项, date validation, a 填表说明 sheet.\n")
    (out / "README.md").write_text(text, encoding="utf-8")


# ------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only build the model and check the figures")
    parser.add_argument("--sample-dir", type=Path, default=SAMPLE_DIR)
    parser.add_argument("--templates-dir", type=Path, default=TEMPLATES_DIR)
    args = parser.parse_args(argv)

    ref = load_reference()
    model = build_model(ref)
    ledgers = build_ledgers(model)
    figures = check(model, ledgers)
    f = figures[2024]
    print(f"2024: {f['signed']} signed, {f['amount'] / 10000:.2f} 亿元, {f['started']} started "
          f"({f['started'] / f['signed']:.2%}), planned {f['planned'] / 10000:.2f} 亿元, "
          f"funds {f['funds'] / 10000:.2f} 亿元; unmatched rows {figures['unmatched_rows']}")
    for year in (2023, 2025):
        f = figures[year]
        print(f"{year}: {f['signed']} signed, {f['amount'] / 10000:.2f} 亿元, {f['started']} started, "
              f"planned {f['planned'] / 10000:.2f} 亿元, funds {f['funds'] / 10000:.2f} 亿元")
    leads = figures["leads"]
    print("leads: " + ", ".join(f"{y} {f['total']} ({f['signed']} signed)" for y, f in leads.items())
          + f"; {figures['near_misses']} lead names left for the identity review")
    if args.check:
        return 0

    out = args.sample_dir
    out.mkdir(parents=True, exist_ok=True)
    for lg in ledgers:
        WRITERS[lg.layout](lg, model, out)
    write_readme(ledgers, figures, out)
    args.templates_dir.mkdir(parents=True, exist_ok=True)
    write_template(args.templates_dir / "签约项目台账模板.xlsx", ref, "signed")
    write_template(args.templates_dir / "开工项目台账模板.xlsx", ref, "started")
    total = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    print(f"wrote {len(ledgers)} ledgers to {out} ({total / 1024:.0f} KiB) and 2 templates to {args.templates_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
