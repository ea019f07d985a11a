"""Every string that reaches a generated script is data (issue 12, item 10).

A CSV's file name, a note, the weights file's name: whatever they hold (NUL and other control
characters, quotes, backslashes, triple quotes, line breaks, lone surrogates, emoji, U+2028), the
nnpy and PyTorch scripts compile, are valid UTF-8, have the same syntax tree as with a plain string
(nothing in the string became code), and give the string back exactly where it is data.
"""

import ast
import random

import numpy as np
import pytest

from nnpy.browser.code_panel import playground_code
from nnpy.browser.codegen import _q, python_script, pytorch_script
from nnpy.browser.playground import Playground

NASTY = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\n", "\r", "\r\n", "\t", "\x0b", "\x0c", "\u2028", "\u2029",
         '"', "'", '"""', "'''", "\\", "\\x00", "\\N{BULLET}", "\\u", "{", "}", "{0}", "#", "\ud800", "\udfff",
         "\U0001f600", "\ufeff", "\u202e", "e\u0301", "\u00a0", " ", "import os", "os.system('x')", ")", "]"]


def strings(count, seed):
    """``count`` random strings from nasty pieces and random code points (a seeded generator)."""
    rng = random.Random(seed)
    out = list(NASTY)
    while len(out) < count:
        parts = []
        for _ in range(rng.randint(1, 8)):
            r = rng.random()
            if r < 0.5:
                parts.append(rng.choice(NASTY))
            elif r < 0.8:
                parts.append(chr(rng.randint(0, 0x7f)))
            else:
                parts.append(chr(rng.randint(0x80, 0x10FFFF)))
        out.append("".join(parts))
    return out


def shape(tree):
    """The syntax tree without the values of its string constants: node types and the names used."""
    return [(type(node).__name__, getattr(node, "id", None), getattr(node, "attr", None), getattr(node, "arg", None))
            for node in ast.walk(tree)]


def assigned(tree, name):
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"no {name} = ... in the script")


def custom_data(name):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (12, 2))
    y = (X[:, 0] > 0).astype(int)
    return {"X_train": X[:8], "y_train": y[:8], "X_test": X[8:], "y_test": y[8:], "classes": 2, "name": name}


def compiled(script):
    """The script as the page downloads it (UTF-8 bytes), compiled; its syntax tree."""
    source = script.encode("utf-8")  # raises on a lone surrogate
    compile(source, "generated.py", "exec")
    return ast.parse(source)


@pytest.mark.parametrize("text", strings(300, seed=12))
def test_literals_read_back_exactly(text):
    assert ast.literal_eval(_q(text)) == text
    assert ast.literal_eval(_q([text, "x1"])) == [text, "x1"]
    _q(text).encode("utf-8")


def test_any_name_and_note_gives_scripts_that_compile_and_hold_them_as_data():
    plain_py = compiled(python_script({}, 2, data=custom_data("plain"), notes=["plain"]))
    plain_torch = compiled(pytorch_script({}, 2, data=custom_data("plain"), weights_file="plain", notes=["plain"]))
    for text in strings(80, seed=10):
        py = compiled(python_script({}, 2, data=custom_data(text), notes=[text]))
        assert shape(py) == shape(plain_py), repr(text)
        assert text in ast.get_docstring(py, clean=False)  # the note, exactly
        torch = compiled(pytorch_script({}, 2, data=custom_data(text), weights_file=text + ".st", notes=[text]))
        assert shape(torch) == shape(plain_torch), repr(text)
        assert assigned(torch, "WEIGHTS_FILE") == text + ".st"
        assert text in ast.get_docstring(torch, clean=False)


def test_a_csv_named_with_a_nul_loaded_mid_run_gives_scripts_that_compile(tmp_path):
    """The reported case: the page's Code panel after uploading "data\\0.csv" during training."""
    pg = Playground()
    pg.configure({"layers": [{"units": 3, "activation": "tanh"}], "seed": 2})
    pg.train(2)
    for name in ("data\x00.csv", 'q"""\\\n\r\u2028.csv', "\ud800\U0001f600.csv"):
        pg.load_csv("x1,x2,label\n0,1,0\n1,0,1\n0.5,0.5,1\n-1,0,0\n", name=name)
        pg.train(1)
        code = playground_code(pg)
        for key in ("python", "pytorch"):
            path = tmp_path / f"{key}.py"
            path.write_bytes(code[key].encode("utf-8"))
            compile(path.read_bytes(), str(path), "exec")
        doc = ast.get_docstring(ast.parse(code["python"]), clean=False)
        assert "replaced the points" in " ".join(doc.split())
