"""One module per ``python -m kpi`` command: ``add_parser(subparsers)`` and ``run(args) -> int``
(kpi/__main__.py lists them)."""
