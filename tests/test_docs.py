"""The docs site as a reader gets it: build it with mkdocs, then read the HTML.

``mkdocs build --strict`` passes on docstrings whose sections did not parse
(they render as one run-on paragraph) and on Sphinx roles (they print
literally), so these tests read the generated pages for both, and check
what the copy button copies and how wide the pictures are.
"""

from __future__ import annotations

import html
import importlib
import inspect
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SECTIONS = {"Args": "Parameters:", "Returns": "Returns:", "Raises": "Raises:",
            "Examples": "Examples:", "Attributes": "Attributes:"}
KEY_ENTRIES = ["grad", "value_and_grad", "vjp", "jvp", "jacrev", "check_grads", "primitive",
               "nn.mlp", "optim.sgd", "io.save", "tree.unflatten", "tree.map",
               "tree.register", "viz.draw"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


def pages(site):
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
            for p in site.glob("*.html") if p.name != "404.html"}


def text_of(fragment):
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def entries(api_html):
    """``{'tapegrad.grad': html of its entry}`` for every object the API page documents."""
    parts = re.split(r'(?=<h\d id="tapegrad[^"]*" class="doc doc-heading)', api_html)
    found = {}
    for part in parts[1:]:
        name = re.match(r'<h\d id="([^"]+)"', part).group(1)
        found[name] = part
    return found


def api_object(dotted):
    """The object behind an API entry's id (a module, or a module's attribute)."""
    try:
        return importlib.import_module(dotted)
    except ImportError:
        module_name, _, attr = dotted.rpartition(".")
        return getattr(api_object(module_name), attr)


def docstring_sections(dotted):
    doc = inspect.getdoc(api_object(dotted)) or ""
    return [s for s in SECTIONS if re.search(rf"^{s}:$", doc, re.M)]


def test_public_functions_that_return_something_say_what(site):
    api = entries((site / "api.html").read_text(encoding="utf-8"))
    for name in api:
        obj = api_object(name)
        if not inspect.isfunction(obj):
            continue
        returns = inspect.signature(obj).return_annotation
        if returns not in (None, "None", inspect.Signature.empty):
            assert "Returns" in docstring_sections(name), name


def test_no_sphinx_role_or_unresolved_reference_on_any_page(site):
    for name, page in pages(site).items():
        text = text_of(page)
        assert not re.search(r":(func|class|meth|mod|attr|data|obj|exc|ref):`?", text), name
        assert "][tapegrad." not in text, name          # a cross-reference left unresolved


def test_every_api_entry_renders_its_docstring_sections(site):
    api = entries((site / "api.html").read_text(encoding="utf-8"))
    assert len(api) > 40
    for name, part in api.items():
        titles = re.findall(r'<span class="doc-section-title">([^<]*)</span>', part)
        for section in docstring_sections(name):
            assert SECTIONS[section] in titles, (name, section, titles)
        # a section heading left in running text means its docstring did not parse
        part = re.sub(r'<span class="doc-section-title">[^<]*</span>', "", part)
        for para in re.findall(r"<p>(.*?)</p>", part, re.S):
            assert not re.search(r"\b(Args|Returns|Raises|Examples|Yields):",
                                 text_of(para)), (name, para[:200])
        assert not re.search(r"<blockquote>\s*<p>&gt;&gt;&gt;", part), name
        # a Returns: paragraph is one item, not a row per line
        returns = re.search(r"Returns:</span>.*?<tbody>(.*?)</tbody>", part, re.S)
        if returns:
            assert returns.group(1).count("<tr") == 1, name


@pytest.mark.parametrize("entry", KEY_ENTRIES)
def test_key_entries_show_returns_and_examples_as_sections_with_code(site, entry):
    api = entries((site / "api.html").read_text(encoding="utf-8"))
    part = api.get(f"tapegrad.{entry}") or api[f"tapegrad.{entry}.{entry}"]
    titles = re.findall(r'<span class="doc-section-title">([^<]*)</span>', part)
    assert "Examples:" in titles, titles
    assert titles[0] == "Parameters:" and len(titles) >= 3, titles
    assert '<span class="gp">&gt;&gt;&gt; </span>' in part      # a highlighted example


def copied(block_html):
    """What docs/js/copy.js puts on the clipboard for a console block."""
    out, in_block = [], False
    for line in text_of(block_html).split("\n"):
        first, more = line.startswith(">>>"), line.startswith("...")
        if not (first or more):
            continue
        if first and in_block:
            out.append("")
        in_block = more
        out.append(line[4:])
    return "\n".join(out)


def test_copying_a_console_block_gives_runnable_code(site):
    js = (ROOT / "docs" / "js" / "copy.js").read_text()
    assert 'line.startsWith(">>> ")' in js and "data-copy" in js
    blocks = 0
    for name, page in pages(site).items():
        assert 'src="js/copy.js"' in page, name
        for code in re.findall(r"<pre>(?:<span></span>)?<code>(.*?)</code></pre>", page, re.S):
            if "&gt;&gt;&gt;" not in code:
                continue
            # every prompt is marked, so the copy leaves it (and the output) out
            assert code.count("&gt;&gt;&gt; ") == code.count(
                '<span class="gp">&gt;&gt;&gt; </span>'), (name, code[:300])
            source = copied(code)
            assert ">>>" not in source
            compile(source, name, "exec")
            blocks += 1
    assert blocks > 50


def test_pictures_fit_the_column_and_open_full_size(site):
    for name, page in pages(site).items():
        for img in re.finditer(r'<img alt="[^"]*" src="(img/[^"]+)"', page):
            src = img.group(1)
            before = page[max(0, img.start() - 200):img.start()]
            assert before.rstrip().endswith(f'<a href="{src}">'), (name, src)
            if src.endswith(".svg"):
                width = float(re.search(r'<svg width="([\d.]+)pt"',
                                        (site / src).read_text()).group(1))
                # the column is about 690 px: at most 0.8 of the drawn size
                assert width * 4 / 3 * 0.8 <= 690, (src, width)


def test_links_work_from_files(site):
    for name, page in pages(site).items():
        for href in re.findall(r'href="([^"#:]+)"', page):
            if href.startswith(("assets/", "css/", "js/", "img/", "search/")):
                continue
            assert href.endswith((".html", ".svg", ".png", ".xml", ".py")), (name, href)
    assert "offline" in (ROOT / "mkdocs.yml").read_text()
