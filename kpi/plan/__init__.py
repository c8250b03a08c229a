"""The yearly CCHC plan (kế hoạch CCHC), split by what each part is:

- ``kpi.plan.parser``: the plan's appendix text → ``ParsedPlan`` → ``data/plans/<year>.csv``
  (text helpers, lead units, timing → deadline);
- ``kpi.plan.tracker``: the plan as data, each activity's status per unit with its history,
  late flags, filters and counts, the goal → KPI links (from ``kpi.definitions``);
- ``kpi.plan.exchange``: the tracker as an Excel file and back;

No Streamlit here: the screen pieces (charts, coloured tables, the editor) are in ``ui/plan.py``.
``python -m kpi.plan`` parses the appendix to CSV (``kpi.plan.__main__``).
"""
