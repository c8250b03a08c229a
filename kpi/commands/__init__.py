"""The commands of ``python -m kpi`` (shared/spec/cli.md), one module each.

A command module has

    add_parser(subparsers) -> argparse.ArgumentParser   # its name, flags and help (Vietnamese)
    run(args) -> int                                    # does the work; the exit status

and imports at module level only what its ``--help`` needs (argparse, ``kpi.cli``,
``kpi.definitions``, ``kpi.commands.common``). Everything heavy — SQLAlchemy, pandas, the report
writers — is imported inside ``run``, so every command starts fast (``python -m bench.startup``).
A new command is one module here plus its name in ``kpi/__main__.py``'s ``COMMANDS``.
"""
