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


def main() -> None:
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
