"""The lake benchmark's own pieces: its monthly ledgers are real loads, its section of
RESULTS.md replaces only itself."""

from __future__ import annotations

import json
from datetime import date

from base.reference import load_reference
from benchmarks import common, generate, lake, report
from etl.read import read_ledger


def test_monthly_ledger_reads_as_one_units_month(tmp_path):
    ref = generate.ensure_reference()
    unit = generate.read_units(ref)[7]
    path = lake.monthly_ledger(tmp_path, unit, 11, 12, seed=1)
    ledger = read_ledger(path, reference=load_reference(ref), today=date(2026, 1, 1))
    assert ledger.errors == []
    assert ledger.kind == "signed"
    assert (ledger.period.start, ledger.period.end) == (date(2025, 11, 1), date(2025, 11, 30))
    assert ledger.rows.height == 12
    assert set(ledger.rows["unit_id"]) == {unit["unit_id"]}


def test_percentile_interpolates():
    assert lake.percentile([4.0, 1.0, 3.0, 2.0, 5.0], 50) == 3.0
    assert lake.percentile([1.0, 2.0], 95) == 1.95


def summary_of(values):
    return common.summary(values)


def test_lake_section_replaces_only_itself(tmp_path, monkeypatch):
    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setattr(common, "RESULTS", results)
    md = tmp_path / "RESULTS.md"
    md.write_text("# Benchmark results\n\n## Queries\n\nkept table\n\n<!-- notes -->\nkept notes\n<!-- /notes -->\n",
                  encoding="utf-8")
    monkeypatch.setattr(report, "RESULTS_MD", md)
    run = {"total_s": 30.0, "per_load_s": [10.0] * 19 + [30.0], "landed": 20, "failures": []}
    writers = {"writers": 20, "rows_each": 50, "rounds": 1, "file": [run], "lake": [dict(run, total_s=60.0)],
               "file_summary": {"total": summary_of([30.0]), "p50": 10.0, "p95": 19.0},
               "lake_summary": {"total": summary_of([60.0]), "p50": 10.0, "p95": 19.0},
               "ratio_total": common.paired_ratio([60.0], [30.0])}
    (results / "lake.json").write_text(json.dumps(
        {"part": "lake", "date": "2026-12-07T05:00:00", "runs": 1, "loadavg_start": [1.0], "loadavg_end": [2.0],
         "publish_s": {"10k": 5.0, "1m": None}, "writers": writers}), encoding="utf-8")

    report.write_lake()
    first = md.read_text(encoding="utf-8")
    assert "kept table" in first and "kept notes" in first
    assert first.index("## DuckLake against the embedded file") < first.index("<!-- notes -->")
    assert "2.00 (2.00–2.00)" in first  # lake / file total
    assert "1m over the budget, left out" in first

    writers["ratio_total"] = common.paired_ratio([90.0], [30.0])
    (results / "lake.json").write_text(json.dumps(
        {"part": "lake", "date": "2026-12-07T06:00:00", "runs": 1, "publish_s": {"10k": 5.0}, "writers": writers}),
        encoding="utf-8")
    report.write_lake()
    second = md.read_text(encoding="utf-8")
    assert second.count("## DuckLake against the embedded file") == 1
    assert "3.00 (3.00–3.00)" in second and "2.00 (2.00–2.00)" not in second
    assert "kept table" in second and "kept notes" in second
