"""[display] rise_colour: the colour of a rise on every page's 同比 (st.metric) and on the wall."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.proto.Metric_pb2 import Metric

from conftest import open_page
from base import reference
from ui import format as fmt

# the pages whose cards carry a 同比, with the sample's year that has one
PAGES = ("pages/analysis/overview.py", "pages/analysis/signing.py", "pages/analysis/starts.py",
         "pages/analysis/chains.py", "pages/projects/pipeline.py")
UP, DOWN = Metric.MetricDirection.UP, Metric.MetricDirection.DOWN
RED, GREEN = Metric.MetricColor.RED, Metric.MetricColor.GREEN


def config(tmp_path: Path, text: str, monkeypatch) -> None:
    (tmp_path / "city.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(reference, "REFERENCE_DIR", tmp_path)


def colours(page: str) -> set[tuple[int, int]]:
    at = open_page(page, year="2025", months="1-9")
    return {(m.proto.direction, m.proto.color) for m in at.metric if m.proto.delta}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_colours_a_rise_red_as_shipped_and_green_when_configured(page, on_sample, tmp_path, monkeypatch):
    shipped = colours(page)
    assert shipped, "no 同比 on the page"  # the sample holds 2024: every page has some
    assert shipped <= {(UP, RED), (DOWN, GREEN)}, shipped
    config(tmp_path, '[display]\nrise_colour = "green"\n', monkeypatch)
    turned = colours(page)
    assert turned == {(d, GREEN if d == UP else RED) for d, _ in shipped}


def test_the_setting_with_its_default_and_a_wrong_value(tmp_path, monkeypatch, caplog):
    assert fmt.rise_colour() == "red" and fmt.delta_colour() == "inverse"  # data/reference/city.toml
    config(tmp_path, 'name = "x"\n', monkeypatch)
    assert fmt.rise_colour() == "red"
    config(tmp_path, '[display]\nrise_colour = "green"\n', monkeypatch)
    assert fmt.delta_colour() == "normal"
    config(tmp_path, '[display]\nrise_colour = "blue"\n', monkeypatch)
    assert fmt.rise_colour() == "red"
    assert "rise_colour" in caplog.text
