"""The Simplified Chinese catalogue is complete, compiled, and actually used.

The extraction test is the one that fails when a developer adds a UI string and
forgets the translation: re-run makemessages, translate, then
`.venv/bin/python scripts/compile-messages.py`.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.template.base import Lexer, TokenType
from django.utils import translation
from django.utils.translation import trim_whitespace

import dixian

SRC = Path(dixian.__file__).resolve().parent
PO_PATH = SRC / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# Each app may keep its own catalogue (src/dixian/<app>/locale/...), so apps built side by
# side never edit the same file; Django merges them. Every catalogue passes every check.
CATALOGUES = [PO_PATH] + sorted(
    p for p in SRC.glob("*/locale/zh_Hans/LC_MESSAGES/django.po") if p != PO_PATH
)
CATALOGUE_IDS = [str(p.relative_to(SRC)) for p in CATALOGUES]
# Same exclusions as `makemessages --ignore "static/*"` (vendored files are not ours).
IGNORED_DIRS = {"static", "__pycache__", "node_modules"}
FIX_HINT = (
    "run `cd src/dixian && dixian makemessages -l zh_Hans --no-location --ignore 'static/*'`"
    " (or the same inside src/dixian/<app> for an app with its own locale/), "
    "translate, then `.venv/bin/python scripts/compile-messages.py`"
)


@pytest.fixture(scope="module", params=CATALOGUES, ids=CATALOGUE_IDS)
def po(request):
    return polib.pofile(str(request.param))


@pytest.fixture(scope="module")
def all_entries():
    return [e for path in CATALOGUES for e in polib.pofile(str(path))]


def live_entries(po):
    return [e for e in po if not e.obsolete]


def msgstrs(entry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


# --- the catalogue itself -----------------------------------------------------------------

PLACEHOLDER_RE = re.compile(
    r"%\((?P<named>\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]"  # %(name)s, %(n)d
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]"  # %s, %d
    r"|\{\w*(?:![rsa])?(?::[^{}]*)?\}"  # {}, {name}, {0:>3}
)


def placeholders(text: str) -> Counter:
    text = text.replace("%%", "").replace("{{", "").replace("}}", "")
    return Counter(m.group(0) for m in PLACEHOLDER_RE.finditer(text))


def test_placeholder_pattern_recognises_the_usual_forms():
    assert placeholders("Showing %(start)s–%(end)s of %(total)s, %d, {x} and 100%%") == Counter(
        {"%(start)s": 1, "%(end)s": 1, "%(total)s": 1, "%d": 1, "{x}": 1}
    )


def test_header(po):
    assert not po.metadata_is_fuzzy, "the .po header is still marked fuzzy"
    assert po.metadata.get("Language") == "zh_Hans"
    assert po.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")


def test_every_entry_is_translated_and_not_fuzzy(po):
    untranslated = [e.msgid for e in live_entries(po) if not all(s.strip() for s in msgstrs(e))]
    fuzzy = [e.msgid for e in live_entries(po) if "fuzzy" in e.flags]
    assert not (untranslated or fuzzy), (
        f"untranslated msgids: {untranslated}; fuzzy msgids: {fuzzy}; {FIX_HINT}"
    )


def test_placeholders_survive_translation(po):
    wrong = []
    for e in live_entries(po):
        for i, s in enumerate(msgstrs(e)):
            source = e.msgid_plural if (e.msgid_plural and i > 0) else e.msgid
            if placeholders(source) != placeholders(s):
                wrong.append(f"{e.msgid!r} -> {s!r}")
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_catalogue_has_no_duplicate_keys(po):
    keys = Counter((e.msgctxt, e.msgid) for e in live_entries(po))
    assert not [k for k, n in keys.items() if n > 1]


def test_catalogues_agree_on_shared_msgids():
    """Django merges the catalogues and the first one (project, then INSTALLED_APPS order)
    wins, so a msgid two apps translate differently shows the other app's word in one of
    them. Give such a msgid a context (pgettext) where the meanings differ."""
    seen: dict[tuple, dict[str, tuple]] = {}
    for path in CATALOGUES:
        for e in live_entries(polib.pofile(str(path))):
            if e.msgid == "" and not e.msgctxt:
                continue
            key = (e.msgctxt, e.msgid, e.msgid_plural or None)
            seen.setdefault(key, {})[str(path.relative_to(SRC))] = tuple(msgstrs(e))
    clashes = [
        f"{k[1]!r}" + (f" (context {k[0]!r})" if k[0] else "") + f": {v}"
        for k, v in seen.items()
        if len(set(v.values())) > 1
    ]
    assert not clashes, "translated differently by different catalogues:\n" + "\n".join(clashes)


def catalogue_map(entries) -> dict:
    out = {}
    for e in entries:
        if e.obsolete or (e.msgid == "" and not e.msgctxt):
            continue
        out[(e.msgctxt, e.msgid, e.msgid_plural or None)] = tuple(msgstrs(e))
    return out


def test_compiled_mo_matches_po(po):
    mo_path = Path(po.fpath).with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run scripts/compile-messages.py"
    mo = polib.mofile(str(mo_path))
    po_map, mo_map = catalogue_map(po), catalogue_map(mo)
    stale = sorted(
        repr(k[1]) for k in po_map.keys() | mo_map.keys() if po_map.get(k) != mo_map.get(k)
    )
    assert not stale, f"django.mo is out of date for: {stale}; run scripts/compile-messages.py"
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


def test_django_uses_the_catalogue():
    with translation.override("zh-hans"):
        assert translation.gettext("Sign out") == "退出登录"
        assert translation.gettext("Organisations and people") == "组织机构与人员"
    with translation.override("en"):
        assert translation.gettext("Sign out") == "Sign out"


# --- every string the source asks to translate is in the catalogue -------------------------

# keyword -> (context argument index or None, msgid index, plural index or None),
# as makemessages passes them to xgettext.
KEYWORDS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def source_files(suffixes: tuple[str, ...]):
    for path in sorted(SRC.rglob("*")):
        rel = path.relative_to(SRC)
        if path.suffix in suffixes and path.is_file() and not IGNORED_DIRS & set(rel.parts):
            yield path


def _literal_arg(call: ast.Call, index: int | None):
    """The string literal at position `index`; None when no index; False when not a literal
    (xgettext cannot extract that either)."""
    if index is None:
        return None
    if index < len(call.args):
        arg = call.args[index]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    return False


def python_msgids(source: str, filename: str = "<string>") -> set[tuple]:
    """(msgctxt, msgid) of every gettext call with literal arguments (implicit concatenation
    is folded into one constant by the parser)."""
    found = set()
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            name = func.id
        elif isinstance(func, ast.Attribute):
            name = func.attr
        else:
            continue
        if name not in KEYWORDS:
            continue
        ctx_i, id_i, _plural_i = KEYWORDS[name]
        msgid, ctx = _literal_arg(node, id_i), _literal_arg(node, ctx_i)
        if msgid and ctx is not False:
            found.add((ctx, msgid))
    return found


def _unquote(literal: str) -> str:
    return literal[1:-1]


TRANSLATE_RE = re.compile(
    r"""^\s*trans(?:late)?\s+(?P<msgid>"[^"]*"|'[^']*')"""
    r"""(?:\s*\|\s*[^\s:]+(?::(?:[^\s'":]+|"[^"]*"|'[^']*'))?)*"""  # optional filters
    r"""(?:\s+.*context\s+(?P<ctx>"[^"]*"|'[^']*'))?"""
)
BLOCK_RE = re.compile(
    r"""^\s*blocktrans(?:late)?(?:\s+.*context\s+(?P<ctx>"[^"]*"|'[^']*'))?(?:\s+|$)"""
)
END_RE = re.compile(r"^\s*endblocktrans(?:late)?$")
PLURAL_RE = re.compile(r"^\s*plural$")
CONSTANT_RE = re.compile(r"""_\(("[^"]*"|'[^']*')\)""")


def template_msgids(source: str) -> set[tuple]:
    """(msgctxt, msgid) of {% translate %}, {% blocktranslate %} and _("…") in a template,
    normalised the way Django's templatize does: literal % becomes %%, {{ var }} inside a
    block becomes %(var)s, and `trimmed` collapses line breaks with their indentation."""
    found = set()
    block = None  # while inside a blocktranslate: {"ctx", "trimmed", "parts", "plural"}
    in_comment = False
    for token in Lexer(source).tokenize():
        contents = token.contents
        if in_comment:
            in_comment = not (token.token_type == TokenType.BLOCK and contents == "endcomment")
            continue
        if block is not None:
            target = block["plural"] if block["plural"] is not None else block["parts"]
            if token.token_type == TokenType.BLOCK:
                if PLURAL_RE.match(contents):
                    block["plural"] = []
                    continue
                assert END_RE.match(contents), f"tag inside blocktranslate: {contents}"
                text = "".join(block["parts"])
                found.add((block["ctx"], trim_whitespace(text) if block["trimmed"] else text))
                block = None
            elif token.token_type == TokenType.VAR:
                target.append(f"%({contents})s")
            elif token.token_type == TokenType.TEXT:
                target.append(contents.replace("%", "%%"))
            continue
        if token.token_type == TokenType.BLOCK:
            if m := TRANSLATE_RE.match(contents):
                ctx = _unquote(m["ctx"]) if m["ctx"] else None
                found.add((ctx, _unquote(m["msgid"]).replace("%", "%%")))
            elif m := BLOCK_RE.match(contents):
                found.update((None, _unquote(c)) for c in CONSTANT_RE.findall(contents))
                block = {
                    "ctx": _unquote(m["ctx"]) if m["ctx"] else None,
                    "trimmed": "trimmed" in token.split_contents(),
                    "parts": [],
                    "plural": None,
                }
            elif contents == "comment":
                in_comment = True
            else:
                found.update((None, _unquote(c)) for c in CONSTANT_RE.findall(contents))
        elif token.token_type == TokenType.VAR:
            found.update((None, _unquote(c)) for c in CONSTANT_RE.findall(contents))
    assert block is None, "unclosed blocktranslate"
    return found


def test_extractors_on_examples():
    py = (
        "from django.utils.translation import gettext as _, pgettext_lazy, ngettext\n"
        "a = _('Plain')\n"
        "b = _(\n    'Implicit '\n    'concatenation'\n)\n"
        "c = pgettext_lazy('month', 'May')\n"
        "d = ngettext('%(n)d day', '%(n)d days', n)\n"
        "e = translation.gettext_lazy('Via attribute')\n"
        "f = _(variable)\n"
    )
    assert python_msgids(py) == {
        (None, "Plain"),
        (None, "Implicit concatenation"),
        ("month", "May"),
        (None, "%(n)d day"),
        (None, "Via attribute"),
    }
    html = (
        "{% load i18n %}{% translate \"Save\" %}{% trans 'Old' %}"
        '{% translate "50% done" %}{% translate "May" context "month" %}'
        "{% blocktranslate with name=x.y obj=o %}Delete {{ name }} “{{ obj }}”?"
        "{% endblocktranslate %}"
        "{% blocktranslate trimmed count n=items|length %}\n  One\n  item\n"
        "{% plural %}{{ n }} items{% endblocktranslate %}"
        "{% comment %}{% translate 'Hidden' %}{% endcomment %}"
        "{{ _('Constant')|upper }}{% translate some_variable %}"
    )
    assert template_msgids(html) == {
        (None, "Save"),
        (None, "Old"),
        (None, "50%% done"),
        ("month", "May"),
        (None, "Delete %(name)s “%(obj)s”?"),
        (None, "One item"),
        (None, "Constant"),
    }


def test_every_source_msgid_is_in_the_catalogue(all_entries):
    wanted: dict[tuple, set[str]] = {}
    for path in source_files((".py",)):
        for key in python_msgids(path.read_text(encoding="utf-8"), str(path)):
            wanted.setdefault(key, set()).add(str(path.relative_to(SRC)))
    for path in source_files((".html", ".txt")):
        for key in template_msgids(path.read_text(encoding="utf-8")):
            wanted.setdefault(key, set()).add(str(path.relative_to(SRC)))
    assert len(wanted) > 100, "the extractor found suspiciously few strings"

    have = {(e.msgctxt, e.msgid) for e in live_entries(all_entries)}
    missing = sorted(wanted.keys() - have, key=lambda k: (k[1], k[0] or ""))
    lines = [
        f"  {msgid!r}"
        + (f" (context {ctx!r})" if ctx else "")
        + f"  in {sorted(wanted[ctx, msgid])}"
        for ctx, msgid in missing
    ]
    assert not missing, (
        f"{len(missing)} msgid(s) used in the source are in no catalogue; {FIX_HINT}:\n"
        + "\n".join(lines)
    )


# --- what users see -----------------------------------------------------------------------

ZH_LABELS = ["组织机构与人员", "总览", "退出登录", "主导航", "最近动态", "企业分布图"]
EN_LABELS = [
    "Organisations and people",
    "Overview",
    "Sign out",
    "Main navigation",
    "Recent activity",
    "Enterprises on the map",
]


def test_home_page_in_chinese_by_default(client_for):
    response = client_for("office").get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    for label in ZH_LABELS:
        assert label in html, f"{label!r} missing from the Chinese home page"
    for label in EN_LABELS:
        assert label not in html, f"untranslated {label!r} on the Chinese home page"


def test_switching_to_english(client_for):
    client = client_for("office")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    for label in EN_LABELS:
        assert label in html, f"{label!r} missing from the English home page"
    # Demo data (organisation and place names) stays Chinese; UI labels must not.
    for label in ZH_LABELS + ["系统管理", "在册人员", "未读消息", "安委办工作人员"]:
        assert label not in html, f"Chinese UI label {label!r} on the English home page"
    assert "Safety committee office staff" in html  # the user's role, a lazy choice label

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "组织机构与人员" in client.get("/").content.decode()
