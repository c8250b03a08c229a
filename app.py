"""Entry point of the dashboard: the frame (menu, shared sidebar) around the pages.

    streamlit run app.py      (or: make run)

The frame and the page registry live in ui/nav.py. The sidebar (unit, period, definitions) is
drawn on every run, so each page reads the same choice from ``st.session_state`` (keys in
ui/common.py).
"""

from ui import nav

nav.frame()
