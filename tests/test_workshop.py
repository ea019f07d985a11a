"""The workshop's checks in CPython: skeletons fail helpfully, nnpy and a student's correct code
pass, typical mistakes are each named, and the downloadable pytest file runs the same checks."""

import io
import json
import subprocess
import sys
import zipfile

import pytest

from nnpy.browser import workshop, workshop_checks
from nnpy.browser.workshop_skeletons import SKELETONS
from tests.workshop_solutions import MISTAKES, SOLUTIONS

STEPS = workshop.STEP_IDS


def _files(**override):
    files = dict(SOLUTIONS)
    files.update(override)
    return files


@pytest.mark.parametrize("step", STEPS)
def test_nnpy_itself_passes_every_check(step):
    results = workshop.run_checks(step, workshop.nnpy_modules())
    assert [r["title"] for r in results if not r["ok"]] == []
    assert len(results) >= 2 or step == "inference"


@pytest.mark.parametrize("step", STEPS)
def test_a_students_correct_code_passes(step):
    out = workshop.Workshop().check(step, _files())
    failed = [(r["title"], (r["failure"] or r["error"])["text"]) for r in out["results"] if not r["ok"]]
    assert failed == [] and out["passed"] and out["load_error"] is None


@pytest.mark.parametrize("step", STEPS)
def test_the_skeleton_fails_with_its_todo(step):
    files = _files(**{f"{step}.py": SKELETONS[step]})
    out = workshop.Workshop().check(step, files)
    assert not out["passed"]
    for r in out["results"]:
        assert not r["ok"]
        assert r["not_written"], r
        assert "is not written yet: TODO" in r["failure"]["summary"]
        assert "Replace the TODO" in r["failure"]["hint"]


def test_every_step_has_three_named_mistakes():
    counts = {}
    for step, *_ in MISTAKES:
        counts[step] = counts.get(step, 0) + 1
    assert set(counts) == set(STEPS)
    assert min(counts.values()) >= 3, counts


@pytest.mark.parametrize("step,old,new,words", MISTAKES, ids=[f"{m[0]}-{m[3][:30]}" for m in MISTAKES])
def test_a_typical_mistake_is_named(step, old, new, words):
    source = SOLUTIONS[f"{step}.py"]
    assert source.count(old) == 1, f"the mistake's anchor {old!r} must occur once"
    out = workshop.Workshop().check(step, _files(**{f"{step}.py": source.replace(old, new)}))
    assert not out["passed"]
    texts = [(r["failure"] or {}).get("text", "") + (r["error"] or {}).get("text", "")
             for r in out["results"] if not r["ok"]]
    assert any(words in t for t in texts), texts


def test_a_gradient_failure_shows_numeric_and_yours_side_by_side():
    bad = SOLUTIONS["activations.py"].replace("return 1 - np.tanh(z) ** 2", "return 1 - np.tanh(z)")
    out = workshop.Workshop().check("activations", _files(**{"activations.py": bad}))
    failure = next(r["failure"] for r in out["results"] if r["title"].startswith("tanh_deriv"))
    grad = failure["gradient"]
    assert grad["name"] == "tanh_deriv(z)"
    assert "0.0707" in grad["numeric"] and "0.0707" not in grad["yours"]   # 1 - tanh(-2)^2 = 0.0707
    assert "numeric (central differences) vs yours" in failure["text"]
    assert "input z" in failure["text"] and "Hint:" in failure["text"]


def test_a_unit_failure_shows_input_expected_and_got():
    bad = SOLUTIONS["activations.py"].replace("return np.maximum(z, 0)", "return np.abs(z)")
    out = workshop.Workshop().check("activations", _files(**{"activations.py": bad}))
    text = out["results"][0]["failure"]["text"]
    for label in ("input z:", "expected:", "got:", "Hint:"):
        assert label in text
    assert "|z|" in out["results"][0]["failure"]["summary"]


def test_a_shape_failure_names_the_shapes():
    bad = SOLUTIONS["layers.py"].replace('self.grads["b"] = np.sum(dz, axis=0)', 'self.grads["b"] = dz')
    out = workshop.Workshop().check("layers", _files(**{"layers.py": bad}))
    texts = " ".join(r["failure"]["text"] for r in out["results"] if r["failure"])
    assert "grads['b'] has shape (5, 4); expected (4,)" in texts


def test_a_traceback_shows_the_students_own_line():
    bad = SOLUTIONS["layers.py"].replace("return dz @ self.params[\"W\"].T", "return dz @ self.params[\"W\"]")
    out = workshop.Workshop().check("layers", _files(**{"layers.py": bad}))
    errors = [r["error"] for r in out["results"] if r["error"]]
    assert errors, out
    err = errors[0]
    assert err["file"] == "layers.py"
    line = bad.splitlines()[err["line"] - 1]
    assert "dz @ self.params" in line
    assert 'File "layers.py", line' in err["text"] and "ValueError" in err["text"]
    assert "workshop" not in err["text"]   # the checks' own frames are not shown


def test_a_syntax_error_names_the_file_and_line():
    bad = SOLUTIONS["layers.py"].replace("def forward(self, x):", "def forward(self, x)")
    out = workshop.Workshop().check("layers", _files(**{"layers.py": bad}))
    assert out["results"] == []
    err = out["load_error"]
    assert err["file"] == "layers.py" and err["step"] == "layers"
    assert err["error"]["type"] == "SyntaxError" and err["error"]["line"] == bad.splitlines().index(
        "    def forward(self, x)") + 1


def test_an_earlier_files_error_names_that_file():
    bad = SOLUTIONS["activations.py"].replace("import numpy as np", "import numpy as np\nundefined_name")
    out = workshop.Workshop().check("model", _files(**{"activations.py": bad}))
    assert out["load_error"]["file"] == "activations.py"
    assert "NameError" in out["load_error"]["error"]["text"]


def test_loading_leaves_sys_modules_as_it_was():
    before = {name: sys.modules.get(name) for name in workshop.MODULE_NAMES}
    workshop.Workshop().check("inference", _files())
    assert {name: sys.modules.get(name) for name in workshop.MODULE_NAMES} == before


def test_compare_reads_nnpys_real_source():
    for step in STEPS:
        ref = workshop.Workshop().reference(step)
        assert ref["parts"], step
    layers = workshop.Workshop().reference("layers")
    import inspect
    import nnpy.layers
    assert layers["parts"][0]["code"] == inspect.getsource(nnpy.layers.DenseLayer)


# ------------------------------------------------------------------ progress files

def _progress(**over):
    data = {"format": "nnpy-workshop-progress", "version": 1, "saved": "2026-01-01T00:00:00Z",
            "code": {"activations": SOLUTIONS["activations.py"]}, "passed": ["activations"]}
    data.update(over)
    return json.dumps(data)


def test_a_progress_file_reads_back():
    got = workshop.read_progress(_progress().encode())
    assert got == {"code": {"activations": SOLUTIONS["activations.py"]}, "passed": ["activations"]}


@pytest.mark.parametrize("text,words", [
    (b"\x80\x04pickle", "not UTF-8"),
    ("not json", "not JSON"),
    ("[]", "not an nnpy workshop progress file"),
    (_progress(version=2), "version 2"),
    (_progress(version=True), "version true"),
    (_progress(version=1.0), "version 1.0"),
    ("", "the file is empty"),
    (b" \n", "the file is empty"),
    (_progress(code={"evil": "import os"}), "unknown step 'evil'"),
    (_progress(code={"layers": 3}), "not text"),
    (_progress(code={"layers": "x" * 100_001}), "over 100,000"),
    (_progress(passed="all"), "list of step names"),
    (_progress(extra=1), "unknown entries"),
])
def test_a_bad_progress_file_is_refused_with_a_reason(text, words):
    with pytest.raises(ValueError, match=words):
        workshop.read_progress(text)


# ------------------------------------------------------------------ the zip and its pytest

def _unzip(data, tmp_path):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = sorted(z.namelist())
        z.extractall(tmp_path)
    return names, tmp_path / "my_framework"


def _pytest(folder):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_framework.py"],
                          cwd=folder, capture_output=True, text=True, timeout=300)


def test_the_downloaded_framework_passes_its_own_pytest(tmp_path):
    out = workshop.Workshop().download(_files())
    names, folder = _unzip(out["data"], tmp_path)
    assert out["filename"] == "my_framework.zip"
    assert names == sorted(f"my_framework/{n}" for n in workshop.FILE_NAMES + ["test_my_framework.py", "README.md"])
    proc = _pytest(folder)
    assert proc.returncode == 0, proc.stdout[-3000:]
    n_checks = sum(len(v) for v in workshop_checks.STEPS.values())
    assert f"{n_checks} passed" in proc.stdout


def test_the_pytest_file_catches_the_same_mistake(tmp_path):
    bad = SOLUTIONS["layers.py"].replace('self.grads["b"] = np.sum(dz, axis=0)', 'self.grads["b"] = np.mean(dz, axis=0)')
    _, folder = _unzip(workshop.framework_zip(_files(**{"layers.py": bad})), tmp_path)
    proc = _pytest(folder)
    assert proc.returncode == 1
    assert "averaged over the batch instead of summed" in proc.stdout
    assert "layers-dense_backward" in proc.stdout


def test_the_pytest_file_is_the_checks_modules_themselves():
    import inspect
    from nnpy.browser import workshop_checks_basics, workshop_checks_model
    text = workshop.pytest_file_text()
    assert text.startswith(inspect.getsource(workshop_checks).rstrip("\n"))
    for module in (workshop_checks_basics, workshop_checks_model):
        body = inspect.getsource(module).split("# workshop-checks: end", 1)[1].strip("\n")
        assert body in text
    assert "from .workshop_checks" not in text
