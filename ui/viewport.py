"""The page's width as the browser measures it: what fits on a phone (the map's zoom, a
table's pinned name column) is decided on the server, which otherwise cannot know it."""

from __future__ import annotations

import streamlit as st

from base.reference import ROOT

CSS_FILE = ROOT / "static" / "app.css"
NARROW = 640  # px: a phone, portrait or landscape (static/app.css uses the same bound)
# Until the browser has said: a phone's content width (390 px less the page margins) when
# the browser says it is a phone, a laptop's main column otherwise.
PHONE_GUESS, DESKTOP_GUESS = 358, 1100
MOBILE_AGENTS = ("Mobile", "Android", "iPhone", "MicroMessenger")

# The main column's content width, reported when it differs from what the server assumes
# (`data`): on a desktop once per session, on a phone usually never; again after a
# rotation or resize that changes what fits.
_JS = """
export default function(component) {
  const { data, setStateValue } = component;
  const measure = () => {
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    if (!main) return;
    const style = getComputedStyle(main);
    const width = Math.round(main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
    const narrow = window.innerWidth <= data.narrow;
    if (narrow !== data.width <= data.narrow || Math.abs(width - data.width) > data.slack) {
      setStateValue('width', width);
    }
  };
  let pending = null;
  const later = () => { clearTimeout(pending); pending = setTimeout(measure, 250); };
  measure();
  window.addEventListener('resize', later);
  return () => { clearTimeout(pending); window.removeEventListener('resize', later); };
}
"""
_component = st.components.v2.component("viewport_width", js=_JS)


def _guess() -> int:
    agent = st.context.headers.get("User-Agent", "")
    return PHONE_GUESS if any(word in agent for word in MOBILE_AGENTS) else DESKTOP_GUESS


def width() -> int:
    """The main column's width in CSS pixels (measured, or guessed before the first measurement).

    Read from the component's state, which the browser's report brings in before the run:
    the page draws with it although measure() comes last.
    """
    reported = (st.session_state.get("viewport") or {}).get("width")
    return int(reported) if reported else _guess()


def is_narrow() -> bool:
    return width() <= NARROW


def per_row(wide: int) -> int:
    """Figure cards in a row: two on a phone (static/app.css keeps two side by side), else `wide`."""
    return 2 if is_narrow() else wide


def measure() -> None:
    """Once per run, after the page: the width from the browser."""
    assumed = width()
    # a wide page need not be known to the pixel: only a phone's width decides a zoom
    _component(
        key="viewport", data={"width": assumed, "narrow": NARROW, "slack": 12 if assumed <= NARROW else 200},
        on_width_change=lambda: None,
    )
