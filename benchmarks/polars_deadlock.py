"""The deadlock behind the overview's hung servers, without Streamlit: one thread evaluates a
`map_elements` (a Python function run on polars' thread pool, which needs the GIL), another
calls `DataFrame.to_pandas()` (what st.dataframe does with a polars frame: it waits on that
pool while holding the GIL). Prints "finished" or, when the interpreter hangs, nothing: run
it under `timeout 60` (exit status 124 = deadlocked).

    timeout 60 .venv/bin/python -m benchmarks.polars_deadlock
"""

import threading
import time
import warnings

import polars as pl

warnings.filterwarnings("ignore", category=pl.exceptions.PolarsInefficientMapWarning)

frame = pl.DataFrame({"key": [f"code:{i}" for i in range(2000)], "amount": [float(i) for i in range(2000)]})
until = time.monotonic() + 10
runs = {"map_elements": 0, "to_pandas": 0}


def links() -> None:  # as ui/links.py dossier_column
    while time.monotonic() < until:
        frame.select(pl.col("key").map_elements(lambda k: f"project?id={k}", return_dtype=pl.String), "amount")
        runs["map_elements"] += 1


def table() -> None:  # as ui/table.py → st.dataframe
    while time.monotonic() < until:
        frame.with_row_index("rank").to_pandas()
        runs["to_pandas"] += 1


threads = [threading.Thread(target=f, daemon=True) for f in (links, table, links, table)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"polars {pl.__version__}: finished", runs, flush=True)
