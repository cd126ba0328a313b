"""Start the app: `python -m ui.serve [streamlit options]` (what `make run` does).

With a folder named pages/ beside the main script, Streamlit starts in its old multipage
mode and stays there until the router (st.navigation in app.py) has run once: a deep link
such as /wall or /map to a freshly started server then shows "Page not found" over the
page. A wall PC reopening its link after a restart would keep that box on screen for
days. app.py's router is the only navigation here, so the old mode is switched off
before the first session.
"""

import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

from etl.reference import ROOT


def warm_up() -> None:
    """Before the first visitor: the heavy imports, and a warehouse this code can read.

    The first page of a freshly started server (a wall PC after a reboot) would otherwise
    wait for them; a warehouse written by older code is re-derived here, not in a session.
    """
    import duckdb
    import plotly.graph_objects  # noqa: F401
    import polars  # noqa: F401
    import pydeck  # noqa: F401

    from etl import isolate
    from warehouse import build
    from warehouse.db import db_path

    isolate.warm_up()  # the worker that reads uploads (~1 s of imports)

    try:
        build.ensure_current(db_path())
    except (duckdb.Error, OSError) as exc:  # the pages say what is wrong with the warehouse
        print(f"数据仓库暂不可用：{exc}", file=sys.stderr)


def main() -> None:
    PagesManager.uses_pages_directory = False
    warm_up()
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
