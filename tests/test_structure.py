"""The shape of the code (design.md, issue 9): what each command imports, where writes go,
what pages may contain. These read the source or run a command and look at ``sys.modules``;
none of them times anything (timings are in ``python -m bench.startup``)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from kpi import config
from kpi import db as kdb
from tests.fixtures import make_unit

HEAVY = ("pandas", "numpy", "pyarrow", "plotly", "fpdf", "docx", "openpyxl", "xlsxwriter",
         "alembic", "babel", "streamlit")


def _imported(argv: list[str], *, ok=(0,)) -> set[str]:
    """The top-level packages loaded by ``python -m kpi ARGV`` (run in a fresh process)."""
    code = ("import json, sys\nfrom kpi.__main__ import main\n"
            "try:\n    rc = main(sys.argv[1:])\nexcept SystemExit as exc:\n    rc = exc.code\n"
            "print(json.dumps([rc, sorted({m.split('.')[0] for m in sys.modules})]), "
            "file=sys.stderr)\n")
    r = subprocess.run([sys.executable, "-c", code, *argv], cwd=config.ROOT, capture_output=True,
                       text=True, encoding="utf-8", timeout=120,
                       env={"CCHC_TODAY": "2026-04-02", "PATH": "/usr/bin:/bin"})
    rc, modules = json.loads(r.stderr.strip().splitlines()[-1])
    assert rc in ok, r.stderr
    return set(modules)


def test_help_imports_nothing_heavy():
    """``--help`` of the tool and of a command needs argparse and the declarations only."""
    for argv in (["--help"], ["snapshot", "--help"]):
        loaded = _imported(argv)
        assert "kpi" in loaded
        assert loaded.isdisjoint({"sqlalchemy", "duckdb", *HEAVY}), (argv, loaded & set(HEAVY))


def test_snapshot_imports_only_what_a_json_snapshot_needs(duck_url):
    make_unit(kdb.get_engine(duck_url), "Xã Lộc Tân")
    loaded = _imported(["snapshot", "--db", duck_url, "--unit", "Xã Lộc Tân", "--period",
                        "2026-03"])
    assert {"sqlalchemy", "duckdb"} <= loaded
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)



def _module_body(path) -> list[ast.stmt]:
    """A file's statements after its docstring and its imports."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return [n for n in body if not isinstance(n, (ast.Import, ast.ImportFrom))]


def test_pages_folder_is_the_registry():
    """Every file of pages/ is a page of ui/nav.py and the other way round; one default page;
    addresses unique (each is its file's name)."""
    from ui import nav

    files = {f"pages/{f.name}" for f in (config.ROOT / "pages").glob("*.py")}
    assert files == {p.file for p in nav.PAGES}
    assert sum(p.default for p in nav.PAGES) == 1
    assert len({p.url_path for p in nav.PAGES}) == len(nav.PAGES)


def test_every_page_starts_with_require_frame():
    """The first statement after the imports of every page is ``nav.require_frame()`` (a deep
    link opened first after a server start, ui/nav.py)."""
    from ui import nav

    for p in nav.PAGES:
        first = _module_body(config.ROOT / p.file)[0]
        assert ast.unparse(first) == "nav.require_frame()", p.file


def test_tests_read_nothing_outside_the_repository():
    """What the tests check against lives in the repository (tests/data/, data/): no string in a
    test names a place of one machine (/work/…, /home/…, /tmp/…)."""
    machine = tuple(f"/{top}/" for top in ("work", "home", "tmp", "root", "Users", "mnt", "srv"))
    for path in sorted((config.ROOT / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not node.value.startswith(machine), (path.name, node.value)
