"""nnpy/browser/schema.py: the one table of page settings, and what is built from it.

- its names are the framework's (features, datasets, optimizers, activations);
- the output rule gives what the engines build and what the model files accept;
- check_state takes every default and refuses a value past each limit, naming it;
- build.py's dist/js/core/schema.js holds exactly schema.as_json() (the JS reads nothing else);
- no JS file under web/js restates a limit or list the schema holds.
"""

import json
import re
from pathlib import Path

import pytest

import build
import nnpy
from nnpy.activations import get_activation
from nnpy.browser import schema
from nnpy.browser.mnist import MnistPlayground
from nnpy.browser.playground import Playground
from nnpy.datasets import DATASETS, FEATURES
from nnpy.optim import OPTIMIZERS
from test_session import tiny_mnist_npz

ROOT = Path(__file__).resolve().parents[2]


def test_names_are_the_frameworks():
    assert schema.FEATURES == FEATURES
    assert list(schema.OPTIMIZERS) == list(OPTIMIZERS)
    generators = set(DATASETS) | {"spiral", "blobs"}
    assert set(schema.DATASETS_2D) <= generators
    for page in (schema.PLAYGROUND, schema.MNIST):
        for act in schema.setting(page, "layers")["activations"]:
            assert get_activation(act).name == act
    for row in schema.OUTPUT_RULE:
        assert get_activation(row["activation"]).name == row["activation"]
        nnpy.losses.get_loss(row["loss"])


@pytest.mark.parametrize("problem, classes, expected", [
    ("regression", 1, (1, "linear", "mse")),
    ("classification", 2, (1, "sigmoid", "binary_cross_entropy")),
    ("classification", 3, (3, "softmax", "softmax_cross_entropy")),
    ("classification", 10, (10, "softmax", "softmax_cross_entropy")),
])
def test_output_rule_and_its_inverse(problem, classes, expected):
    assert schema.output_layer(problem, classes) == expected
    units, act, _ = expected
    assert schema.problem_of_output(units, act, max_classes=10) == (problem, classes)


def test_outputs_no_page_serves_have_no_problem():
    assert schema.problem_of_output(2, "softmax", 6) is None   # two classes use one sigmoid unit
    assert schema.problem_of_output(7, "softmax", 6) is None
    assert schema.problem_of_output(2, "sigmoid", 6) is None
    assert schema.problem_of_output(1, "tanh", 6) is None


def test_engines_build_the_output_the_rule_says():
    p = Playground()
    for state, classes in (({"dataset": "circle"}, 2), ({"dataset": "spiral", "classes": 4}, 4),
                           ({"problem": "regression", "dataset": "reg-plane"}, 1)):
        net = p.configure(state)["network"]
        problem = state.get("problem", "classification")
        units, act, loss = schema.output_layer(problem, classes)
        assert (net["layers"][-1]["units"], net["layers"][-1]["activation"], net["loss"]) == (units, act, loss)
    mp = MnistPlayground()
    mp.load_data(path=None, data=tiny_mnist_npz())
    net = mp.configure({"layers": [{"units": 8}], "n": 200})["network"]
    assert (net["sizes"][-1], net["activations"][-1]) == schema.output_layer("classification", 10)[:2]


@pytest.mark.parametrize("page", [schema.PLAYGROUND, schema.MNIST])
def test_defaults_pass_and_every_limit_is_enforced_naming_the_key(page):
    state = schema.check_state(page, {})
    assert state == schema.defaults(page)
    for row in schema.engine_settings(page):
        if row["type"] not in ("int", "number"):
            continue
        name = row["name"]
        step = 1 if row["type"] == "int" else row["max"] * 1e-3
        for bad in (row["min"] - step, row["max"] + step):
            with pytest.raises(ValueError, match=rf"{name} must be (an integer|a number) in"):
                schema.check_state(page, {name: bad})
        for good in (row["min"], row["max"]):
            if page == schema.MNIST and name == "test_fraction" or name == "n":
                continue  # with n, test_fraction must leave 10 digits each side
            assert schema.check_state(page, {name: good})[name] == good
    for row in schema.engine_settings(page):
        if row["type"] == "enum":
            with pytest.raises(ValueError, match=f"{row['name']} must be one of"):
                schema.check_state(page, {row["name"]: "nope"})
    most = schema.setting(page, "layers")["max_layers"]
    with pytest.raises(ValueError, match=f"at most {most} hidden layers"):
        schema.check_state(page, {"layers": [{"units": 1}] * (most + 1)})
    units = schema.setting(page, "layers")["max_units"]
    with pytest.raises(ValueError, match=f"units must be an integer in 1..{units}"):
        schema.check_state(page, {"layers": [{"units": units + 1}]})


def test_changed_kind_follows_the_rows():
    base = schema.defaults(schema.PLAYGROUND)
    assert schema.changed_kind(schema.PLAYGROUND, None, base) == "data"
    assert schema.changed_kind(schema.PLAYGROUND, base, dict(base)) is None
    for row in schema.engine_settings(schema.PLAYGROUND):
        other = {"problem": "regression", "dataset": "reg-plane", "classes": 3, "noise": 0.1, "seed": 2,
                 "train_ratio": 0.6, "batch_size": 5, "features": ["x1"], "layers": [],
                 "optimizer": "adam", "lr": 0.1, "regularization": "l2", "reg_rate": 0.1}[row["name"]]
        assert schema.changed_kind(schema.PLAYGROUND, base, {**base, row["name"]: other}) == row["kind"]


def test_the_js_module_the_build_writes_is_the_schema_exactly():
    text = build.schema_module()
    body = text[text.index("Object.freeze(") + len("Object.freeze("):text.rindex(");")]
    assert json.loads(body) == json.loads(json.dumps(schema.as_json()))
    assert not (ROOT / "web" / build.SCHEMA_JS).exists()


def test_build_reads_the_schema_without_numpy():
    """build.py runs with the standard library alone: schema.py must import nothing else."""
    source = (ROOT / "nnpy" / "browser" / "schema.py").read_text()
    imports = re.findall(r"^\s*(?:from|import)\s+([\w.]+)", source, flags=re.M)
    assert set(imports) <= {"math", "numbers"}


# Literals the schema holds that JS must not restate (option lists, limits, defaults).
RESTATED = [
    r"\[0\.00001, 0\.0001", r"\[0, 0\.001, 0\.003", r"\[16, 32, 64, 128", r"\[8, 16, 32, 64",
    r"\[1, 3, 5, 10, 20, 50\]", r"\[1000, 2000, 5000", r"\[0\.1, 0\.2, 0\.3, 0\.5\]",
    r"MAX_(LAYERS|UNITS|CLASSES|SEED|DIGITS|FILE_BYTES|MODEL_BYTES) = \d", r"16 \* 2 \*\* 20",
    r"64 \* 2 \*\* 20", r"\"reg-plane\", \"reg-gauss\"", r"\"sgd\", \"momentum\", \"adam\"",
    r"\[\"none\", \"L1\", \"L2\"\]", r"[<=] 999999", r"\? \"softmax\" : \"sigmoid\"",
    r"\"classification\", \"regression\"\]",
]


def test_no_js_file_restates_a_rule_of_the_schema():
    found = []
    for path in sorted((ROOT / "web" / "js").rglob("*.js")):
        text = path.read_text()
        for pattern in RESTATED:
            for m in re.finditer(pattern, text):
                line = text[:m.start()].count("\n") + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {m.group(0)}")
    assert not found, "\n".join(found)
