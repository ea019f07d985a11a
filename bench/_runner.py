"""What the benchmarks share: the built site on a free port, headless Chromium, a node script
(Pyodide without a browser), the "median (min–max)" format and each script's own section of
bench/README.md.

A script imports what it needs::

    from _runner import DIST, launch, serve, fmt, write_section

Each script owns one section of bench/README.md, between ``<!-- bench/NAME.py: start -->`` and
``<!-- bench/NAME.py: end -->``; ``write_section`` replaces it, or appends it the first time.
"""

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
README = Path(__file__).resolve().parent / "README.md"
sys.path.insert(0, str(ROOT))
import build  # noqa: E402  (the site's own server: same headers, same MIME types as `build.py serve`)

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic", "--no-first-run"]
BLANK_HTML = b"<!doctype html><meta charset=utf-8><title>bench</title><link rel=icon href=data:,>"


def markers(script):
    """The comments around SCRIPT's section of bench/README.md, e.g. markers("page_load.py")."""
    return "<!-- bench/%s: start -->" % script, "<!-- bench/%s: end -->" % script


def write_section(script, section):
    """Put SECTION (text without the markers) in SCRIPT's place in bench/README.md."""
    start, end = markers(script)
    block = "%s\n%s\n%s" % (start, section.strip("\n"), end)
    text = README.read_text() if README.is_file() else "# Benchmarks\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(text)
    print("updated %s" % README, file=sys.stderr)


def fmt(values, digits=0):
    """'median (min–max)' of VALUES with DIGITS decimals; '–' when there are none."""
    if not values:
        return "–"
    return "%.*f (%.*f–%.*f)" % (digits, statistics.median(values), digits, min(values), digits, max(values))


def handler(pages):
    """build.py's request handler plus PAGES, {path: (content type, bytes)}, on the site's origin."""

    class BenchHandler(build.SiteHandler):
        def do_GET(self):
            extra = pages.get(self.path.split("?")[0])
            if extra is None:
                return super().do_GET()
            self.send_response(200)
            self.send_header("Content-Type", extra[0])
            self.send_header("Content-Length", str(len(extra[1])))
            self.end_headers()
            self.wfile.write(extra[1])

    return BenchHandler


@contextlib.contextmanager
def serve(site=DIST, pages=None):
    """Serve the built SITE (and PAGES, see handler) on 127.0.0.1; yields the base URL without a slash."""
    site = Path(site)
    if not (site / "build-info.json").is_file():
        sys.exit("%s is not built: run python build.py first" % site)
    server = build.make_server(site, "127.0.0.1", 0, quiet=True, handler=handler(pages or {}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield "http://127.0.0.1:%d" % server.server_port
    finally:
        server.shutdown()


# For node scripts that run Pyodide (insert before their first use): imports fs and path, and
# copyTree(py, src, dst) copies a package's .py and .json files into Pyodide's file system,
# subpackages too (nnpy/_formats)
COPY_TREE_JS = """
import fs from "fs";
import path from "path";
function copyTree(py, src, dst) {
  py.FS.mkdirTree(dst);
  for (const f of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, f.name);
    if (f.isDirectory()) copyTree(py, s, dst + "/" + f.name);
    else if (f.name.endsWith(".py") || f.name.endsWith(".json")) py.FS.writeFile(dst + "/" + f.name, fs.readFileSync(s));
  }
}
"""


def run_node(script):
    """Run the ES module ``script`` (its text) with node; its standard output, or SystemExit with its errors."""
    node = shutil.which("node")
    if node is None:
        raise SystemExit("needs node")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.mjs"
        path.write_text(script)
        proc = subprocess.run([node, str(path)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"node failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def launch(playwright):
    """Headless Chromium: $NNPY_CHROMIUM, else Playwright's own when installed, else Debian's."""
    exe = os.environ.get("NNPY_CHROMIUM")
    if not exe:
        own = playwright.chromium.executable_path
        exe = own if own and Path(own).is_file() else "/usr/bin/chromium"
    return playwright.chromium.launch(executable_path=exe, args=FLAGS, headless=True)


def arguments(doc, runs=5):
    """The command line every page benchmark takes: --runs N and --write (its README section);
    the script's docstring's first paragraph is the description. Add a script's own options to it."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=runs, help="runs of each configuration, alternating")
    parser.add_argument("--write", action="store_true", help="update this script's section of bench/README.md")
    return parser
