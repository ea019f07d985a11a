#!/usr/bin/env bash
# The one test command: installs what the tests need, builds dist/, runs every test in tests/.
#
#   bash test.sh                 all of tests/ (unit tests in CPython, tests/e2e/ in Chromium)
#   bash test.sh -x -k engine    extra arguments go to pytest; if one of them is a path,
#                                pytest runs that path instead of all of tests/
#
# 1. .venv/ (created once) with this checkout installed editable: pip install -e ".[test]"
#    (again only when pyproject.toml changes); NNPY_WITH_TORCH=1 adds torch and safetensors;
#    the "python3" Jupyter kernel spec in .venv runs .venv's Python (the notebook tests)
# 2. Chromium: $NNPY_CHROMIUM, Playwright's own, or /usr/bin/chromium; if none is present,
#    Debian's chromium is installed with apt-get (as root, or with passwordless sudo)
# 3. python build.py (downloads are cached in .cache/, so later runs are offline)
# 4. pytest; its exit status is ours (it fails when it collects no tests, too)
set -euo pipefail
cd "$(dirname "$0")"

say() { echo "test.sh: $*"; }
die() { echo "test.sh: error: $*" >&2; exit 1; }

# -- 1. the virtualenv -----------------------------------------------------------------------
PYTHON=${PYTHON:-python3}
VENV=.venv
PY="$VENV/bin/python"
if [ ! -x "$PY" ]; then
  say "creating $VENV with $($PYTHON --version 2>&1)"
  "$PYTHON" -m venv "$VENV" || die "cannot create $VENV (on Debian: apt-get install python3-venv)"
fi
[ -f "$VENV/.gitignore" ] || echo '*' > "$VENV/.gitignore"  # never committed (as Python 3.13's venv does)
stamp="$VENV/.nnpy-pyproject.sha256"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "pip install -e \".[test]\" into $VENV"
  "$PY" -m pip install --disable-pip-version-check -q -e ".[test]" || die "pip install -e .[test] failed"
  echo "$want" > "$stamp"
fi
# The Jupyter kernel the notebook tests run (nbclient asks for "python3"): this venv's Python by
# its absolute path. ipykernel's wheel ships a spec that runs plain "python" from PATH, which may be
# another Python without nnpy, so write ours over it whenever it is not this one.
kernel="$VENV/share/jupyter/kernels/python3/kernel.json"
if ! grep -qF "\"$(cd "$VENV" && pwd)/bin/python" "$kernel" 2>/dev/null; then
  say "installing the python3 Jupyter kernel spec into $VENV"
  "$PY" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (nnpy .venv)" >/dev/null \
    || die "ipykernel install failed"
fi
# NNPY_WITH_TORCH=1: also PyTorch (CPU use; its CUDA wheels are about 5 GB) and safetensors, so the
# generated PyTorch scripts run and are compared with nnpy instead of only being compiled
if [ "${NNPY_WITH_TORCH:-0}" = 1 ] && ! "$PY" -c "import torch, safetensors.torch" 2>/dev/null; then
  say "NNPY_WITH_TORCH=1: pip install torch safetensors into $VENV (large, once)"
  "$PY" -m pip install --disable-pip-version-check -q torch safetensors || die "pip install torch safetensors failed"
fi

# -- 2. Chromium -----------------------------------------------------------------------------
have_chromium() {
  if [ -n "${NNPY_CHROMIUM:-}" ]; then
    [ -x "$NNPY_CHROMIUM" ] || die "NNPY_CHROMIUM=$NNPY_CHROMIUM is not an executable"
    return 0
  fi
  [ -x /usr/bin/chromium ] && return 0
  # Playwright's own browser, if `playwright install chromium` was ever run
  "$PY" - 2>/dev/null <<'EOF'
import os, sys
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    sys.exit(0 if os.path.isfile(p.chromium.executable_path) else 1)
EOF
}
if ! have_chromium; then
  if [ "$(id -u)" = 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    die "no Chromium found (NNPY_CHROMIUM, Playwright's own, /usr/bin/chromium) and no root or sudo to install it; run: sudo apt-get install chromium"
  fi
  say "no Chromium found: installing Debian's chromium with apt-get"
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  have_chromium || die "apt-get installed chromium but /usr/bin/chromium is still missing"
fi

# -- 3. the site -----------------------------------------------------------------------------
"$PY" build.py

# -- 4. the tests ----------------------------------------------------------------------------
targets=(tests)
for arg in "$@"; do
  if [[ "$arg" != -* && -e "${arg%%::*}" ]]; then targets=(); break; fi
done
exec "$PY" -m pytest "${targets[@]}" "$@"
