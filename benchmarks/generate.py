"""Deterministic province-scale data for the benchmarks (cached under benchmarks/data/).

    python -m benchmarks.generate            # make whatever is missing, print the paths
    python -m benchmarks.generate --force    # make everything again

What it makes (same seed, same data):

* a province reference directory (REFERENCE_DIR): 120 reporting units in 11 prefecture
  cities of an invented province (counties, districts, county-level cities, development
  zones, with aliases), the chains and header synonyms of data/reference, targets, and a
  synthetic county GeoJSON; plus a copy whose geo_file does not exist (map page check);
* warehouses of 10,000 and 1,000,000 signed projects over 2016–2025 (heavy-tailed amounts,
  ~80 % started, funds), written straight through warehouse.ingest.record_load + build.refresh
  (no Excel), with the time each step took (`<size>.json` beside the file);
* signed ledgers of 10,000 and 200,000 rows in the real layout (title row, unit line,
  two-row header with merged groups, a 合计 row, ~2 % amounts as text, ~3 % dates as
  text), written with openpyxl's write-only mode.

The cache is keyed by content hashes: reference and ledgers by this file, warehouses also
by what shapes the file's content (warehouse/sql migrations, derive and views, build.py,
the field catalog etl/fields.py and the ROW_SCHEMA of etl/read.py), so a change to any of them regenerates what depends on it
(and stale folders are removed).
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import inspect
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SEED = 20260101
AS_OF = date(2025, 9, 30)
YEARS = tuple(range(2016, 2026))
PROVINCE = "河东省"
PROVINCE_SHORT = "河东"
PROVINCE_ADCODE = "960000"  # not a real province code
WAREHOUSES = {"10k": 10_000, "1m": 1_000_000}
LEDGERS = {"10k": 10_000, "200k": 200_000}

# ------------------------------------------------------------------ cache keys


def _digest(paths: list[Path], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:10]


REFERENCE_COPIED = ("chains.csv", "headers.csv", "origins.csv", "city.toml")  # from data/reference


@functools.lru_cache(maxsize=1)
def generator_key() -> str:
    return _digest([Path(__file__).resolve(), *(ROOT / "data" / "reference" / f for f in REFERENCE_COPIED)])


@functools.lru_cache(maxsize=1)
def warehouse_key() -> str:
    """Computed once per process: one run uses one warehouse even if the SQL changes meanwhile."""
    read_py = (ROOT / "etl" / "read.py").read_text(encoding="utf-8")
    schema = re.search(r"ROW_SCHEMA = \{.*?\n\}", read_py, re.S)
    return _digest(
        [
            ROOT / "warehouse" / "sql" / "migrations",
            ROOT / "warehouse" / "sql" / "derive",
            ROOT / "warehouse" / "sql" / "views",
            ROOT / "warehouse" / "sql" / "stored",
            ROOT / "warehouse" / "build.py",
            ROOT / "etl" / "fields.py",
        ],
        extra=generator_key() + (schema.group(0) if schema else read_py),
    )


def reference_dir(geo: bool = True) -> Path:
    return DATA / f"reference-{generator_key()}" / ("province" if geo else "province-nogeo")


def ledger_path(size: str) -> Path:
    return DATA / f"ledgers-{generator_key()}" / f"{PROVINCE}2025年1-9月签约项目台账-{size}.xlsx"


def warehouse_path(size: str) -> Path:
    return DATA / f"warehouse-{warehouse_key()}" / f"{size}.duckdb"


def warehouse_meta(size: str) -> dict:
    path = warehouse_path(size).with_suffix(".json")
    return json.loads(path.read_text()) if path.exists() else {}


def _clean_stale(prefix: str, keep: Path) -> None:
    for old in DATA.glob(f"{prefix}-*"):
        if old.is_dir() and old != keep:
            shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------ the province

CITY_NAMES = ["汾州", "河阳", "云中", "平川", "凤台", "安澜", "青岚", "崇山", "瑞原", "泽远", "横岭"]
UNITS_PER_CITY = [12, 11, 11, 11, 11, 11, 11, 11, 11, 10, 10]  # 120 in all
FIRST = "安宝北昌长崇大德东丰阜高广海和华怀惠吉嘉江金晋靖静乐临灵隆龙鹿洛茂美南宁蒲清庆三沙上寿顺泰天通同万汶文武西祥兴阳永玉元远泽章正中"
SECOND = "安城川春丰峰谷和湖江林陵宁泉山寿水台潭田亭溪乡源远原庄"
SINGLE = "霍隰蒲绛祁"  # one-character counties, written with a (full-width) space as in 绛　县
CHAIN_BASE = {
    "铝镁精深加工": 1.0, "铜基新材料": 0.5, "碳基新材料": 0.6, "智能网联汽车": 0.7, "新能源": 3.0,
    "电子信息": 0.8, "生物医药大健康": 0.8, "高端装备制造": 1.0, "食品加工": 1.2, "消费品工业": 0.8,
    "其他": 0.15,
}


def province_units() -> list[dict]:
    """120 reporting units: per city 1-2 districts, counties, a county-level city, 1-2 zones."""
    rng = random.Random(SEED)
    bases = [a + b for a in FIRST for b in SECOND if a != b]
    rng.shuffle(bases)
    taken = {c for c in CITY_NAMES} | {c[0] for c in CITY_NAMES}
    pool = (b for b in bases if b not in taken and b[0] not in "".join(CITY_NAMES))
    singles = iter(SINGLE)
    units = []
    for c, (city, n) in enumerate(zip(CITY_NAMES, UNITS_PER_CITY), start=1):
        zones = 2 if n >= 11 else 1
        districts = 2 if c <= 3 else 1
        counties = n - zones - districts - 1
        code = f"96{c:02d}"
        hosts = []
        for k in range(districts):
            base = next(pool)
            units.append(dict(unit_id=f"{code}{2 + k:02d}", name=f"{base}区", kind="county", city=city,
                              aliases=[base]))
            hosts.append(units[-1])
        for k in range(counties):
            if c % 2 == 1 and k == 2 and (one := next(singles, None)):
                units.append(dict(unit_id=f"{code}{21 + k:02d}", name=f"{one}县", kind="county", city=city,
                                  aliases=[f"{one}　县", f"{one} 县"]))
            else:
                base = next(pool)
                aliases = [base] + ([f"{city}市{base}县"] if k % 3 == 0 else [])
                units.append(dict(unit_id=f"{code}{21 + k:02d}", name=f"{base}县", kind="county", city=city,
                                  aliases=aliases))
        base = next(pool)
        units.append(dict(unit_id=f"{code}81", name=f"{base}市", kind="county", city=city,
                          aliases=[base, f"{city}市{base}市"]))
        for k in range(zones):
            host = hosts[0] if k == 0 else units[-2 - k]
            if k == 0:
                name, aliases = f"{city}经济技术开发区", [f"{city}经开区", f"{city}经济开发区"]
            else:
                hb = host["name"][:-1]
                name, aliases = f"{hb}高新技术产业开发区", [f"{hb}高新区"]
            units.append(dict(unit_id=f"zone-{code}{k + 1}", name=name, kind="zone", city=city, aliases=aliases,
                              host=host["unit_id"], stat_code=f"{host['unit_id']}40{k}000"))
    assert len(units) == 120, len(units)
    # every name and alias must name one unit only
    seen: dict[str, str] = {}
    for u in units:
        keys = [u["name"], *u["aliases"]]
        u["aliases"] = [a for a in u["aliases"] if a not in seen]
        for key in keys:
            seen.setdefault(key, u["unit_id"])
    return units


def _edge(p: tuple[int, int], q: tuple[int, int], x0: float, y0: float, cell: float, k: int = 36) -> list[list[float]]:
    """Points from grid vertex p to q (excluding q), wiggled the same way for both neighbours."""
    a, b = sorted([p, q])
    r = random.Random(f"edge{a}{b}")
    amps = [r.uniform(-0.07, 0.07) * cell / m for m in (1, 2, 3, 5)]
    pts = []
    for i in range(k):
        t = i / k
        off = sum(amp * math.sin((m + 1) * math.pi * t) for m, amp in enumerate(amps))
        x = a[0] + (b[0] - a[0]) * t
        y = a[1] + (b[1] - a[1]) * t
        # perpendicular offset (edges are axis-aligned)
        dx, dy = (0.0, off) if a[1] == b[1] else (off, 0.0)
        pts.append([round(x0 + x * cell + dx, 5), round(y0 + y * cell + dy, 5)])
    if (a, b) != (p, q):
        end = [round(x0 + b[0] * cell, 5), round(y0 + b[1] * cell, 5)]
        pts = [end] + pts[:0:-1]
    return pts


def province_geojson(units: list[dict]) -> dict:
    """Counties as wiggly cells of a grid (shared edges match), one MultiPolygon each."""
    counties = [u for u in units if u["kind"] == "county"]
    cols = 11
    x0, y0, cell = 109.5, 34.0, 0.32
    features = []
    for i, u in enumerate(counties):
        row, col = divmod(i, cols)
        col = col if row % 2 == 0 else cols - 1 - col  # serpentine: a city's counties stay together
        corners = [(col, row), (col + 1, row), (col + 1, row + 1), (col, row + 1)]
        ring = []
        for j in range(4):
            ring += _edge(corners[j], corners[(j + 1) % 4], x0, y0, cell)
        ring.append(ring[0])
        center = [round(x0 + (col + 0.5) * cell, 5), round(y0 + (row + 0.5) * cell, 5)]
        u["center"] = center
        features.append({
            "type": "Feature",
            "properties": {"adcode": u["unit_id"], "name": u["name"], "center": center},
            "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]},
        })
    rows = math.ceil(len(counties) / cols)
    bbox = [x0 - 0.05, y0 - 0.05, round(x0 + cols * cell + 0.05, 5), round(y0 + rows * cell + 0.05, 5)]
    return {"type": "FeatureCollection", "bbox": bbox, "features": features}


def write_reference(out: Path) -> None:
    """The province reference directory, and a copy whose geo_file is missing."""
    tmp = out.with_name(out.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    province = tmp / "province"
    province.mkdir(parents=True)
    units = province_units()
    geo = province_geojson(units)
    (province / "province.geojson").write_text(json.dumps(geo, ensure_ascii=False), encoding="utf-8")
    by_id = {u["unit_id"]: u for u in units}
    with (province / "units.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["unit_id", "name", "kind", "adcode", "host_adcode", "stat_code", "aliases", "lon", "lat"])
        for u in units:
            if u["kind"] == "county":
                w.writerow([u["unit_id"], u["name"], "county", u["unit_id"], u["unit_id"], "", "|".join(u["aliases"]), "", ""])
            else:
                hx, hy = by_id[u["host"]]["center"]
                dx = 0.06 if u["unit_id"].endswith("1") else -0.06
                w.writerow([u["unit_id"], u["name"], "zone", "", u["host"], u["stat_code"], "|".join(u["aliases"]),
                            round(hx + dx, 4), round(hy + 0.04, 4)])
    for name in REFERENCE_COPIED[:3]:
        shutil.copyfile(ROOT / "data" / "reference" / name, province / name)
    rng = random.Random(SEED + 1)
    with (province / "targets.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["year", "unit", "metric", "target"])
        for year in (2024, 2025):
            w.writerow([year, "全市", "signed_projects", 100_000])
            w.writerow([year, "全市", "signed_amount_yi", 480_000])
            for u in units:
                if u["kind"] == "county" and rng.random() < 0.5:
                    w.writerow([year, u["name"], "signed_amount_yi", rng.randrange(2000, 6000, 100)])
    # city.toml: the city's own file (warning days, access, ...) with the province's identity
    city = (ROOT / "data" / "reference" / "city.toml").read_text(encoding="utf-8")
    for key, value in (("name", PROVINCE), ("short_name", PROVINCE_SHORT), ("adcode", PROVINCE_ADCODE),
                       ("geo_file", "{geo}")):
        city, n = re.subn(rf'(?m)^{key}\s*=\s*"[^"]*"', f'{key} = "{value}"', city, count=1)
        if not n:
            city = f'{key} = "{value}"\n' + city
    (province / "city.toml").write_text(city.replace("{geo}", str(out / "province" / "province.geojson")), encoding="utf-8")
    nogeo = tmp / "province-nogeo"
    shutil.copytree(province, nogeo)
    (nogeo / "province.geojson").unlink()
    (nogeo / "city.toml").write_text(city.replace("{geo}", str(out / "province-nogeo" / "missing.geojson")), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)


def read_units(ref: Path) -> list[dict]:
    with (ref / "units.csv").open(encoding="utf-8") as f:
        return [dict(r, aliases=[a for a in r["aliases"].split("|") if a]) for r in csv.DictReader(f)]


def read_chains(ref: Path) -> list[tuple[str, list[str]]]:
    with (ref / "chains.csv").open(encoding="utf-8") as f:
        return [(r["chain"], [a for a in r["aliases"].split("|") if a]) for r in csv.DictReader(f)]


# ------------------------------------------------------------------ projects

TEMPLATES = {  # (before the number, after the number): 年产{n}万吨高性能铝合金型材
    "铝镁精深加工": [("年产", "万吨高性能铝合金型材"), ("年产", "万吨再生铝"), ("年产", "万吨镁合金压铸件"),
                 ("年产", "万吨电池铝箔"), ("年产", "万件铝合金轮毂")],
    "铜基新材料": [("年产", "万吨高精度铜板带"), ("年产", "万吨电解铜箔"), ("年产", "万吨铜杆铜线"),
               ("年产", "吨铜合金精密铸件"), ("年产", "万吨铜基复合材料")],
    "碳基新材料": [("年产", "万吨高端石墨电极"), ("年产", "万吨锂电池负极材料"), ("年产", "万吨针状焦"),
               ("年产", "吨碳纤维复合材料"), ("年产", "吨石墨烯导电浆料")],
    "智能网联汽车": [("年产", "万套汽车零部件"), ("年产", "万台驱动电机"), ("年产", "万套汽车线束"),
                ("年产", "万辆电动专用车"), ("年产", "万套智能座舱")],
    "新能源": [("", "MW独立储能电站"), ("", "MW农光互补光伏发电"), ("", "MW风电"), ("年产", "万吨绿氢制备"),
            ("年产", "GW高效光伏组件"), ("", "MW分布式光伏"), ("年产", "GWh储能电池"), ("", "万千瓦风光储一体化")],
    "电子信息": [("年产", "万片电子元器件"), ("", "架机柜数据中心"), ("年产", "万片半导体晶圆"),
             ("年产", "亿只LED封装器件"), ("年产", "万台智能终端")],
    "生物医药大健康": [("年产", "吨中药饮片"), ("年产", "吨原料药"), ("年产", "万件医用耗材"),
                ("", "张床位康养中心"), ("年产", "吨中药提取物")],
    "高端装备制造": [("年产", "台（套）智能装备"), ("年产", "台风电装备"), ("年产", "万台电机"),
               ("年产", "万吨精密铸件"), ("年产", "台农机装备")],
    "食品加工": [("年产", "万吨浓缩果汁"), ("", "万吨果蔬冷链仓储"), ("年产", "万吨面粉及挂面"),
             ("年产", "万吨预制菜"), ("年屠宰", "万头生猪加工")],
    "消费品工业": [("年产", "万件服装加工"), ("年产", "万套家居用品"), ("年产", "万吨纸制品"),
              ("年产", "万双鞋业"), ("年产", "万件箱包")],
    "其他": [("", "万平方米现代物流园"), ("", "万平方米文旅综合体"), ("", "万平方米智慧仓储中心")],
}
CAPACITY = [1, 2, 3, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300,
            400, 500, 600, 800, 1000, 1200, 1500, 2000, 4, 7, 9, 11, 16, 18, 35, 45, 70, 90]
PHASES = ["", "二期", "（一期）", "三期"]
BRAND_1 = "华中恒鑫宏瑞天金鼎永晟正博联新盛嘉润海国诚聚信同安德广汇长东"
BRAND_2 = "锐达源远丰泰通和创禾业晖辰峰川宇邦尚航晨凯盈科诺骏昇弘"
INDUSTRY = {"铝镁精深加工": "铝业", "铜基新材料": "铜业", "碳基新材料": "碳素", "智能网联汽车": "汽车科技",
            "新能源": "新能源", "电子信息": "电子科技", "生物医药大健康": "药业", "高端装备制造": "装备制造",
            "食品加工": "食品", "消费品工业": "实业", "其他": "商贸"}
NATIONAL_INDUSTRY = {"铝镁精深加工": "32", "铜基新材料": "32", "碳基新材料": "30", "智能网联汽车": "36",
                     "新能源": "44", "电子信息": "39", "生物医药大健康": "27", "高端装备制造": "34",
                     "食品加工": "13", "消费品工业": "18", "其他": "59"}
ORIGINS = [  # (as written, company-name prefix, province as etl.parse.origin_province gives it, weight)
    ("浙江杭州", "杭州", "浙江", 3), ("浙江省宁波市", "宁波", "浙江", 2), ("深圳市", "深圳", "广东", 3),
    ("江苏省苏州市", "苏州", "江苏", 2), ("北京", "北京", "北京", 3), ("山西太原", "山西", "山西", 3),
    ("上海", "上海", "上海", 2), ("广东广州", "广州", "广东", 1), ("山东济南", "山东", "山东", 2),
    ("河南郑州", "河南", "河南", 2), ("陕西西安", "陕西", "陕西", 2), ("福建厦门", "厦门", "福建", 1),
    ("天津市", "天津", "天津", 1), ("湖南长沙", "湖南", "湖南", 1), ("安徽合肥", "合肥", "安徽", 1),
    ("四川成都", "四川", "四川", 1), ("湖北武汉", "武汉", "湖北", 1),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = ["建军", "红梅", "志强", "晓东", "海涛", "卫东", "国强", "丽娟", "振华", "文斌", "俊杰", "永红", "宏伟",
         "亚军", "春生", "瑞峰", "学军", "爱民", "少华", "新民", "立新", "晓峰", "建平", "玉梅"]
PROGRESS = ["正在进行场地平整", "基础施工阶段", "主体厂房建设中", "钢结构厂房建设中", "设备安装调试中",
            "一期已投产，二期建设中", "已进入试生产阶段", "部分生产线已投产"]
REMARKS = ["正在办理前期手续", "正在开展项目选址", "企业已完成注册", "正在办理项目备案", "已完成土地预审",
           "链主企业引进项目", "以商招商项目", ""]
MONTH_WEIGHT = np.array([0.5, 0.4, 1.3, 1.0, 1.2, 1.1, 0.9, 0.8, 1.3, 1.0, 1.0, 1.4])
BANDS = ((0.578, 300, 9_999), (0.304, 10_000, 99_999), (0.103, 100_000, 499_999), (0.016, 500_000, 1_200_000))


def make_projects(n: int, seed: int, units: list[dict], chains: list[str], years=YEARS, as_of: date = AS_OF) -> dict:
    """n signed projects as numpy arrays (one entry per project), deterministic for a seed."""
    rng = np.random.default_rng(seed)
    # signing year: a slowly growing number per year, the last year only up to the data date
    weights = np.array([1 + 0.06 * i for i in range(len(years))], dtype=float)
    last_months = [12 if y < as_of.year else as_of.month for y in years]
    weights *= np.array(last_months) / 12
    year = np.repeat(np.array(years), rng.multinomial(n, weights / weights.sum()))
    rng.shuffle(year)
    month = np.empty(n, dtype=np.int64)
    for y, last in zip(years, last_months):
        idx = np.flatnonzero(year == y)
        w = MONTH_WEIGHT[:last] / MONTH_WEIGHT[:last].sum()
        month[idx] = rng.choice(np.arange(1, last + 1), size=idx.size, p=w)
    first_month = ((year - 1970) * 12 + (month - 1)).astype("datetime64[M]")
    first = first_month.astype("datetime64[D]")
    days = ((first_month + 1).astype("datetime64[D]") - first).astype(np.int64)
    signed = first + (rng.random(n) * days).astype(np.int64)
    signed = np.minimum(signed, np.datetime64(as_of))

    # reporting unit and chain
    kinds = np.array([u["kind"] for u in units])
    uw = np.where(kinds == "zone", rng.uniform(0.3, 0.6, len(units)), rng.uniform(0.8, 1.6, len(units)))
    unit = rng.choice(len(units), size=n, p=uw / uw.sum())
    base = np.array([CHAIN_BASE.get(c, 0.5) for c in chains])
    chain = np.empty(n, dtype=np.int64)
    for u in range(len(units)):
        idx = np.flatnonzero(unit == u)
        w = base * np.where(rng.random(len(chains)) < 0.2, 3.0, 1.0)
        chain[idx] = rng.choice(len(chains), size=idx.size, p=w / w.sum())

    # amount in 万元: size bands as the province reports them, log-uniform inside a band
    band = rng.choice(len(BANDS), size=n, p=np.array([b[0] for b in BANDS]) / sum(b[0] for b in BANDS))
    lo = np.array([b[1] for b in BANDS])[band]
    hi = np.array([b[2] for b in BANDS])[band]
    amount = np.exp(np.log(lo) + rng.random(n) * (np.log(hi) - np.log(lo))).round()
    amount[rng.random(n) < 0.01] = np.nan  # 金额待定

    # started: most do, after a gamma-distributed delay, if that is before the data date
    delay = (7 + rng.gamma(2.0, 70.0, n)).astype(np.int64)
    start = signed + delay
    started = (rng.random(n) < 0.86) & (start <= np.datetime64(as_of))
    base_amount = np.where(np.isnan(amount), np.exp(rng.normal(8.5, 1.2, n)).round(), amount)
    planned = np.where(started, (base_amount * rng.uniform(0.25, 1.0, n)).round(), np.nan)
    funds = np.where(started, (np.nan_to_num(planned) * rng.uniform(0.05, 0.8, n)).round(), np.nan)
    some = ~started & (rng.random(n) < 0.25)
    funds[some] = (base_amount[some] * rng.uniform(0, 0.1, some.sum())).round()

    # names: brand + product template + capacity + phase, unique within each chain
    name = np.empty(n, dtype=object)
    investor = np.empty(n, dtype=object)
    origin_i = rng.choice(len(ORIGINS), size=n, p=np.array([o[3] for o in ORIGINS]) / sum(o[3] for o in ORIGINS))
    no_origin = rng.random(n) < 0.08
    brands = [a + b for a in BRAND_1 for b in BRAND_2]
    for c, ch in enumerate(chains):
        idx = np.flatnonzero(chain == c)
        templates = TEMPLATES.get(ch, TEMPLATES["其他"])
        space = len(brands) * len(templates) * len(CAPACITY) * len(PHASES)
        pick = rng.choice(space, size=idx.size, replace=False)
        b, rest = np.divmod(pick, len(templates) * len(CAPACITY) * len(PHASES))
        t, rest = np.divmod(rest, len(CAPACITY) * len(PHASES))
        k, ph = np.divmod(rest, len(PHASES))
        word = INDUSTRY.get(ch, "实业")
        for j, i in enumerate(idx):
            before, after = templates[t[j]]
            name[i] = f"{brands[b[j]]}{before}{CAPACITY[k[j]]}{after}{PHASES[ph[j]]}项目"
            prefix = "" if no_origin[i] else ORIGINS[origin_i[i]][1]
            investor[i] = f"{prefix}{brands[b[j]]}{word}有限公司"
    coded = rng.random(n) < 0.35
    return dict(
        n=n, year=year, signed=signed, unit=unit, chain=chain, amount=amount, started=started,
        start=np.where(started, start, np.datetime64("NaT")), planned=planned, funds=funds, name=name,
        investor=investor, origin=origin_i, no_origin=no_origin, coded=coded,
        leader=rng.integers(0, len(SURNAMES) * len(GIVEN), size=(n, 2)), progress=rng.integers(0, len(PROGRESS), n),
        remark=rng.integers(0, len(REMARKS), n), resp=rng.integers(0, 3, n), rng=rng,
    )


def project_code(year: int, unit: dict, chain: str, i: int) -> str:
    host = unit["host_adcode"] if unit["host_adcode"] else unit["unit_id"]
    return f"{year}-{host}-{NATIONAL_INDUSTRY.get(chain, '59')}-03-{i % 1_000_000:06d}"


def responsible(unit: dict, k: int) -> str:
    name = unit["name"]
    return [f"{name}招商中心", f"{name}投资促进中心", f"{name}工业和信息化局"][k] if unit["kind"] == "county" else f"{name}管委会"


def leaders(pair) -> str:
    return "、".join(SURNAMES[v // len(GIVEN)] + GIVEN[v % len(GIVEN)] for v in pair)


# ------------------------------------------------------------------ warehouses


def build_warehouse(size: str, out: Path) -> dict:
    """Runs in a subprocess with REFERENCE_DIR set (base.reference reads it at import)."""
    import polars as pl

    from base.reference import load_reference
    from etl.parse import Period, normalize_name
    from etl.read import ROW_SCHEMA
    from warehouse import build, history
    from warehouse.db import writer
    from warehouse.ingest import record_load

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ref_dir = Path(os.environ["REFERENCE_DIR"])
    reference = load_reference(ref_dir)
    units = read_units(ref_dir)
    chains = [c for c, _ in read_chains(ref_dir)]
    n = WAREHOUSES[size]
    p = make_projects(n, SEED + n, units, chains)
    unit_ids = np.array([u["unit_id"] for u in units], dtype=object)[p["unit"]]
    chain_names = np.array(chains, dtype=object)[p["chain"]]
    codes = np.array(
        [project_code(int(y), units[u], chains[c], i) if coded else None
         for i, (y, u, c, coded) in enumerate(zip(p["year"], p["unit"], p["chain"], p["coded"]))],
        dtype=object,
    )
    name_key = np.array([f"{u}:{normalize_name(nm)}" for u, nm in zip(unit_ids, p["name"])], dtype=object)
    origin = np.array([None if no else ORIGINS[o][0] for o, no in zip(p["origin"], p["no_origin"])], dtype=object)
    province = np.array([None if no else ORIGINS[o][2] for o, no in zip(p["origin"], p["no_origin"])], dtype=object)
    resp = np.array([responsible(units[u], k) for u, k in zip(p["unit"], p["resp"])], dtype=object)
    lead = np.array([leaders(pair) for pair in p["leader"]], dtype=object)
    timings["model_s"] = time.perf_counter() - t0

    def frame(idx: np.ndarray, kind: str, period_end: date, sheet: str) -> pl.DataFrame:
        m = idx.size

        def text(values):
            return pl.Series(values[idx].tolist(), dtype=pl.String)

        def money(values):
            return pl.Series(values[idx], dtype=pl.Float64).fill_nan(None).cast(pl.Decimal(18, 4))

        cols = {name: pl.Series(name, [None] * m, dtype=dt) for name, dt in ROW_SCHEMA.items()}
        cols.update({
            "sheet": pl.Series([sheet] * m, dtype=pl.String),
            "sheet_index": pl.Series([0] * m, dtype=pl.Int32),
            "excel_row": pl.Series(np.arange(6, 6 + m), dtype=pl.Int32),
            "kind": pl.Series([kind] * m, dtype=pl.String),
            "period_end": pl.Series([period_end] * m, dtype=pl.Date),
            "project_code": text(codes),
            "project_name": text(p["name"]),
            "name_key": text(name_key),
            "unit_id": text(unit_ids),
            "unit_raw": text(unit_ids),
            "chain": text(chain_names),
            "chain_raw": text(chain_names),
            "responsible_unit": text(resp),
            "liaison_leader": text(lead),
        })
        if kind == "signed":
            cols.update({
                "investor": text(p["investor"]),
                "investor_origin": text(origin),
                "origin_province": text(province),
                "signed_amount_wan": money(p["amount"]),
                "signed_date": pl.Series(p["signed"][idx]).cast(pl.Date),
                "remarks": pl.Series(np.array(REMARKS, dtype=object)[p["remark"][idx]].tolist(), dtype=pl.String).replace("", None),
                # signed ledgers report funds too (资金到位 is tracked from signing on)
                "funds_in_place_wan": money(np.where(p["started"], np.nan, p["funds"])),
            })
        else:
            cols.update({
                "is_started": pl.Series([True] * m, dtype=pl.Boolean),
                "start_date": pl.Series(p["start"][idx]).cast(pl.Date),
                "planned_investment_wan": money(p["planned"]),
                "funds_in_place_wan": money(p["funds"]),
                "progress": pl.Series(np.array(PROGRESS, dtype=object)[p["progress"][idx]].tolist(), dtype=pl.String),
            })
        return pl.DataFrame([cols[name].alias(name) for name in ROW_SCHEMA], schema=ROW_SCHEMA)

    # the loads: per year one signed ledger and one started ledger; 2025 signed as two
    # cumulative ledgers (1-6月 re-listed in 1-9月), the last one loaded after a refresh
    loads = []
    signed_year = p["year"]
    start_year = np.where(p["started"], p["start"].astype("datetime64[Y]").astype(np.int64) + 1970, 0)
    for y in YEARS:
        end = date(y, 12, 31) if y < AS_OF.year else AS_OF
        if y < AS_OF.year:
            loads.append((f"{y}年招商引资签约项目台账.xlsx", "signed", Period(date(y, 1, 1), end, f"{y}年1-12月", True),
                          np.flatnonzero(signed_year == y), f"{y}年1-12月"))
        else:
            h1 = np.flatnonzero((signed_year == y) & (p["signed"] <= np.datetime64(f"{y}-06-30")))
            loads.append((f"{y}年1-6月签约项目台账.xlsx", "signed", Period(date(y, 1, 1), date(y, 6, 30), f"{y}年1-6月", True),
                          h1, f"{y}年1-6月"))
        loads.append((f"{y}年开工项目台账.xlsx", "started", Period(date(y, 1, 1), end, f"{y}年开工", True),
                      np.flatnonzero(start_year == y), f"{y}年开工"))
    last = (f"{AS_OF.year}年1-9月签约项目台账.xlsx", "signed",
            Period(date(AS_OF.year, 1, 1), AS_OF, f"{AS_OF.year}年1-9月", True),
            np.flatnonzero(signed_year == AS_OF.year), f"{AS_OF.year}年1-9月")

    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    rows = 0
    t_all = time.perf_counter()
    with writer(tmp) as con:
        t = time.perf_counter()
        for i, (file_name, kind, period, idx, sheet) in enumerate(loads):
            rows += idx.size
            load_id = record_load(
                con, frame(idx, kind, period.end, sheet), file_name=file_name,
                sha256=hashlib.sha256(f"{size}{file_name}".encode()).hexdigest(), kind=kind, period=period,
                user="benchmark", sheets_used=[sheet],
            )
            con.execute("insert into load_events values (?, ?, 'load', 'benchmark', null)",
                        [datetime(period.end.year, period.end.month, period.end.day, 18) + timedelta(days=i % 3), load_id])
        timings["record_loads_s"] = time.perf_counter() - t
        t = time.perf_counter()
        build.refresh(con, reference=reference)  # everything derived
        timings["refresh_full_s"] = time.perf_counter() - t
        # one more load as the product does it (etl.load.load_ledger): record, refresh what
        # it touched (incremental when build.refresh takes changed_loads), record its changes
        file_name, kind, period, idx, sheet = last
        rows += idx.size
        f = frame(idx, kind, period.end, sheet)
        if hasattr(history, "before_change"):  # older history API: snapshot first
            t = time.perf_counter()
            history.before_change(con)
            timings["last_load_snapshot_s"] = time.perf_counter() - t
        t = time.perf_counter()
        load_id = record_load(con, f, file_name=file_name, sha256=hashlib.sha256(f"{size}{file_name}".encode()).hexdigest(),
                              kind=kind, period=period, user="benchmark", sheets_used=[sheet])
        timings["last_load_record_s"] = time.perf_counter() - t
        t = time.perf_counter()
        if "changed_loads" in inspect.signature(build.refresh).parameters:
            build.refresh(con, changed_loads=[load_id], reference=reference)
        else:
            build.refresh(con, reference=reference)
        timings["last_load_refresh_s"] = time.perf_counter() - t
        t = time.perf_counter()
        history.record_changes(con, load_id, "load", "benchmark")
        timings["last_load_changes_s"] = time.perf_counter() - t
        counts = dict(zip(
            ("ledger_rows", "project_rows", "projects", "signed_projects", "started_projects"),
            con.execute(
                "select (select count(*) from ledger_rows), (select count(*) from project_rows), "
                "(select count(*) from projects), (select count(*) from v_signed_projects), "
                "(select count(*) from v_signed_projects where is_started)"
            ).fetchone(),
        ))
        t_commit = time.perf_counter()
    timings["commit_checkpoint_publish_s"] = time.perf_counter() - t_commit
    timings["total_write_s"] = time.perf_counter() - t_all
    os.replace(tmp, out)
    tmp.with_name(tmp.name + ".lock").unlink(missing_ok=True)
    meta = dict(size=size, projects_generated=n, loads=len(loads) + 1, rows_recorded=rows, **counts,
                file_mb=round(out.stat().st_size / 2**20, 1), timings={k: round(v, 3) for k, v in timings.items()},
                reference_dir=str(ref_dir))
    out.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=2))
    return meta


# ------------------------------------------------------------------ ledgers (.xlsx)

LEDGER_COLUMNS = [  # (header, group or None)
    ("序号", None), ("项目名称", None), ("项目代码", None), ("投资方", "投资方情况"), ("投资方所在地", "投资方情况"),
    ("所属县（市、区）", None), ("所属产业链", None), ("签约金额", "签约情况"), ("签约时间", "签约情况"),
    ("是否开工", None), ("责任单位", None), ("包联领导", None), ("项目进展", None), ("备注", None),
]


def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(i)


def write_ledger(size: str, ref: Path, out: Path) -> dict:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    n = LEDGERS[size]
    units = read_units(ref)
    chain_rows = read_chains(ref)
    chains = [c for c, _ in chain_rows]
    aliases = dict(chain_rows)
    p = make_projects(n, SEED + 7 + n, units, chains, years=(AS_OF.year,))
    rng = random.Random(SEED + 3 + n)
    order = np.lexsort((p["signed"], p["unit"]))  # grouped by unit, as units compile them

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"{AS_OF.year}年1-{AS_OF.month}月")
    widths = [6, 42, 26, 34, 14, 16, 14, 14, 13, 9, 24, 14, 26, 22]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[_col(i)].width = w
    ncol = len(LEDGER_COLUMNS)
    side = Side(style="thin", color="999999")
    title_font, head_font = Font(name="宋体", size=16, bold=True), Font(name="宋体", size=11, bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    border = Border(left=side, right=side, top=side, bottom=side)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def styled(value, font=None, fmt=None, align=None, head=False):
        cell = WriteOnlyCell(ws, value=value)
        if font:
            cell.font = font
        if fmt:
            cell.number_format = fmt
        if align:
            cell.alignment = align
        if head:
            cell.fill, cell.border = fill, border
        return cell

    # row 1 title, row 2 unit line, rows 3-4 header (groups merged across, others down), row 5 合计
    ws.merged_cells.add(f"A1:{_col(ncol)}1")
    ws.merged_cells.add(f"A2:{_col(ncol)}2")
    ws.append([styled(f"{PROVINCE}{AS_OF.year}年1-{AS_OF.month}月招商引资签约项目台账", title_font, align=center)])
    ws.append([styled("单位：万元", align=Alignment(horizontal="right"))])
    top, bottom = [], []
    j = 0
    while j < ncol:
        header, group = LEDGER_COLUMNS[j]
        if group is None:
            ws.merged_cells.add(f"{_col(j + 1)}3:{_col(j + 1)}4")
            top.append(styled(header, head_font, align=center, head=True))
            bottom.append(styled(None, head=True))
            j += 1
        else:
            width = sum(1 for h, g in LEDGER_COLUMNS[j:] if g == group)
            ws.merged_cells.add(f"{_col(j + 1)}3:{_col(j + width)}3")
            for k in range(width):
                top.append(styled(group if k == 0 else None, head_font, align=center, head=True))
                bottom.append(styled(LEDGER_COLUMNS[j + k][0], head_font, align=center, head=True))
            j += width
    ws.append(top)
    ws.append(bottom)

    rows = []
    total = 0.0
    text_amounts = text_dates = 0
    for seq, i in enumerate(order, start=1):
        unit = units[p["unit"][i]]
        chain = chains[p["chain"][i]]
        r = rng.random()
        unit_text = unit["name"] if r < 0.7 or not unit["aliases"] else rng.choice(unit["aliases"])
        chain_text = chain if rng.random() < 0.8 or not aliases[chain] else rng.choice(aliases[chain])
        amount = p["amount"][i]
        if math.isnan(amount):
            amount_cell = "待定"
        else:
            total += amount
            a = rng.random()
            if a < 0.012:
                amount_cell = f"{int(amount)}万"
                text_amounts += 1
            elif a < 0.02:
                amount_cell = f"约{amount / 10000:g}亿元"
                text_amounts += 1
            else:
                amount_cell = int(amount)
        d = p["signed"][i].astype(object)
        if rng.random() < 0.03:
            date_cell = f"{d.year}.{d.month}.{d.day}"
            text_dates += 1
        else:
            date_cell = styled(datetime(d.year, d.month, d.day), fmt="yyyy-mm-dd")
        code = project_code(int(p["year"][i]), unit, chain, int(i)) if p["coded"][i] else rng.choice(["/", "—", None])
        origin = None if p["no_origin"][i] else ORIGINS[p["origin"][i]][0]
        started = "是" if p["started"][i] else ("否" if rng.random() < 0.7 else None)
        rows.append([
            seq, p["name"][i], code, p["investor"][i], origin, unit_text, chain_text, amount_cell, date_cell, started,
            responsible(unit, int(p["resp"][i])), leaders(p["leader"][i]),
            PROGRESS[p["progress"][i]] if p["started"][i] else None, REMARKS[p["remark"][i]] or None,
        ])
    ws.merged_cells.add("A5:B5")
    total_cells = [styled("合计", head_font, align=center)] + [None] * (ncol - 1)
    total_cells[7] = styled(int(total), head_font, fmt="#,##0")
    ws.append(total_cells)
    for row in rows:
        ws.append(row)
    ws.append([])
    ws.append([None, "填报人：王建军　　审核人：李红梅　　联系电话：0359-1234567"])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    wb.save(tmp)
    os.replace(tmp, out)
    meta = dict(rows=n, text_amounts=text_amounts, text_dates=text_dates, total_wan=int(total),
                file_mb=round(out.stat().st_size / 2**20, 2))
    out.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=2))
    return meta


# ------------------------------------------------------------------ cache


def ensure_reference(force: bool = False) -> Path:
    ref = reference_dir()
    folder = ref.parent
    if force or not (folder / "province" / "city.toml").exists():
        DATA.mkdir(parents=True, exist_ok=True)
        write_reference(folder)
        _clean_stale("reference", folder)
    return ref


def ensure_ledger(size: str, force: bool = False) -> Path:
    path = ledger_path(size)
    if force or not path.exists():
        ref = ensure_reference()
        t = time.perf_counter()
        meta = write_ledger(size, ref, path)
        print(f"  ledger {size}: {meta['rows']:,} rows, {meta['file_mb']} MB in {time.perf_counter() - t:.0f} s", flush=True)
        _clean_stale("ledgers", path.parent)
    return path


def ensure_warehouse(size: str, force: bool = False) -> Path:
    path = warehouse_path(size)
    if force or not path.exists() or not path.with_suffix(".json").exists():
        ref = ensure_reference()
        path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "REFERENCE_DIR": str(ref)}
        print(f"  warehouse {size}: generating ...", flush=True)
        subprocess.run([sys.executable, "-m", "benchmarks.generate", "--warehouse", size, "--out", str(path)],
                       cwd=ROOT, env=env, check=True)
        _clean_stale("warehouse", path.parent)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate")
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--warehouse", choices=WAREHOUSES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.warehouse:  # the subprocess of ensure_warehouse
        meta = build_warehouse(args.warehouse, args.out)
        print(f"  warehouse {args.warehouse}: {meta['signed_projects']:,} signed projects, "
              f"{meta['ledger_rows']:,} ledger rows, {meta['file_mb']} MB, timings {meta['timings']}", flush=True)
        return 0
    print(ensure_reference(args.force))
    for size in LEDGERS:
        print(ensure_ledger(size, args.force))
    for size in WAREHOUSES:
        print(ensure_warehouse(size, args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
