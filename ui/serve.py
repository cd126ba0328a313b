"""Start the app: `python -m ui.serve [streamlit options]` (what `make run` does).

The same as `streamlit run app.py` (which finds app.py's st.App and its session routes),
after warming up what the first visitor would otherwise wait for. Deep links such as /wall
work on a fresh server either way (app.py switches off Streamlit's old multipage mode).
"""

import sys

from streamlit.web import cli

from base.reference import ROOT


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

    # bulletins fall due also while nobody looks at a page; app.py finds this one running
    from . import scheduler

    scheduler.start()


def main() -> None:
    warm_up()
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
