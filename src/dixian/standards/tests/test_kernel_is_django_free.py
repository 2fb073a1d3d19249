"""The standards kernel is pure: no Django import anywhere under ``dixian/standards``."""

import ast
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
MODULES = sorted(
    p.relative_to(PACKAGE.parent.parent).with_suffix("").as_posix().replace("/", ".")
    for p in PACKAGE.glob("*.py")
)


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_no_source_file_imports_django_or_reaches_outside_the_kernel():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 8
    for path in files:
        for module in imported_modules(path):
            top = module.split(".")[0]
            assert top != "django", f"{path.name} imports {module}"
            assert top != "rest_framework", f"{path.name} imports {module}"
            assert not module.startswith("dixian.") or module.startswith("dixian.standards"), (
                f"{path.name} imports {module}"
            )


def test_every_kernel_module_imports_and_computes_without_django_settings():
    assert "dixian.standards.gb18218" in MODULES
    script = (
        "import sys\n"
        f"for name in {MODULES!r}: __import__(name)\n"
        "from dixian.standards import gb18218, risk\n"
        "assert risk.lec(6, 6, 3).colour == 'yellow'\n"
        "assert gb18218.find_in_table1(name='氯').threshold_t == 5\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'django')\n"
        "assert not loaded, loaded\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_data_files_are_inside_the_package():
    # CI may not have the shared research folder: nothing may read outside data/.
    for path in PACKAGE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "shared/data" not in text and "../" not in text, path.name
