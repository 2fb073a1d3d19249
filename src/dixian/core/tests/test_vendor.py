import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def test_vendored_assets_match_their_recorded_hashes():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "verify-vendor.py")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    assert "0 problems" in result.stdout


def test_templates_reference_no_remote_assets():
    templates = list((ROOT / "src" / "dixian").rglob("*.html"))
    assert templates
    for path in templates:
        text = path.read_text()
        for needle in ("https://cdn", "http://cdn", "unpkg.com", "jsdelivr", "googleapis"):
            assert needle not in text, f"{path} references {needle}"
