"""Issue 11, kinds 2 and 3 and the small CSV faults, at every entry point that reads a CSV:
nnpy.load_csv, the seed-2 workflow, the CLI (through main()), the playground's engine
(Playground.load_csv, what the page's upload calls). Issue 16: every parser of user text in
linear time, long inputs refused by length, checked with a hang guard."""

import io
import multiprocessing
import time

import numpy as np
import pytest

from nnpy import cli
from nnpy.browser.playground import Playground
from nnpy.data import DataError, label_problem, load_csv
from nnpy.workflow import Network

PANDAS = "0,1,2\n1,0.5,0.25\n0,0.25,0.5\n1,0.75,1\n0,1,0.75\n"   # DataFrame(array).to_csv(index=False)


# ------------------------------------------------------------------ kind 2: a header of numbers

def test_a_header_of_column_numbers_is_recognised_and_said():
    X, y, info = load_csv(PANDAS, return_info=True)
    assert X.shape == (4, 2) and y.tolist() == [1, 0, 1, 0]
    assert info["header"] == ["0", "1", "2"]
    assert info["notes"] == ["first row read as the header: 0,1,2 numbers the columns, as pandas writes them "
                             "(header=False reads it as data)"]
    X, y = load_csv(PANDAS, header=False)            # settled by the caller: 5 samples
    assert X.shape == (5, 2) and y.tolist() == [0, 1, 0, 1, 0]
    X, y = load_csv(PANDAS)                           # the two-value return is unchanged
    assert X.shape == (4, 2)


def test_a_first_row_that_fails_the_label_rule_while_the_rest_pass_is_the_header():
    text = "784,3,9\n1,0.5,0.25\n0,1,2\n2,3,4\n"
    X, y, info = load_csv(text, num_classes=3, return_info=True)
    assert X.shape == (3, 2) and info["header"] == ["784", "3", "9"]
    assert "its label '784' is not a class label, unlike every other row's" in info["notes"][0]
    with pytest.raises(DataError, match=r"row 1 \(there is no header row\).*'784' is out of range"):
        load_csv(text, num_classes=3, header=False)


def test_a_text_header_is_said_too():
    _, _, info = load_csv("label,x1,x2\n1,0.5,2\n0,1,3\n", return_info=True)
    assert info["notes"] == ["first row read as the header: label,x1,x2 (header=False reads it as data)"]
    _, _, info = load_csv("1,0.5,2\n0,1,3\n", return_info=True)
    assert info["notes"] == [] and info["header"] is None


def test_the_cli_and_the_workflow_say_what_they_did_and_take_header(tmp_path):
    rows = "".join(f"{i % 2},{(i % 5) / 5},{(i % 7) / 7}\n" for i in range(40))
    (tmp_path / "p.csv").write_text("0,1,2\n" + rows)
    out = io.StringIO()
    assert cli.main(["train", "--train", str(tmp_path / "p.csv"), "--structure", "2,4,2", "--epochs", "1",
                     "--out", str(tmp_path / "m.nnpy")], out=out) == 0
    assert "training data: first row read as the header: 0,1,2 numbers the columns" in out.getvalue()
    assert "on 40 samples" in out.getvalue()
    out = io.StringIO()
    assert cli.main(["train", "--train", str(tmp_path / "p.csv"), "--no-header", "--structure", "2,4,2",
                     "--epochs", "1", "--out", str(tmp_path / "m.nnpy")], out=out) == 0
    assert "on 41 samples" in out.getvalue() and "header" not in out.getvalue()
    nn = Network([2, 4, 2], verbose=False)
    nn.fit(tmp_path / "p.csv", epoch=1, header=True, save=False)
    assert nn.metadata["training"]["samples"] == 40


def test_header_true_drops_a_first_row_of_numbers_that_auto_reads_as_data(tmp_path):
    text = "1,0.5,0.125\n" + PANDAS.split("\n", 1)[1]       # a first row no rule calls a header
    X, y, info = load_csv(text, return_info=True)
    assert X.shape == (5, 2) and info["header"] is None and info["notes"] == []
    X, y, info = load_csv(text, header=True, return_info=True)
    assert X.shape == (4, 2) and y.tolist() == [1, 0, 1, 0] and info["header"] == ["1", "0.5", "0.125"]
    assert info["notes"] == []                                 # settled by the caller: nothing to say
    rows = "".join(f"{i % 2},{(i % 5) / 5},{(i % 7) / 7}\n" for i in range(40))
    (tmp_path / "h.csv").write_text("1,0.5,0.5\n" + rows)
    for flag, samples in (([], 41), (["--header"], 40)):
        out = io.StringIO()
        assert cli.main(["train", "--train", str(tmp_path / "h.csv"), *flag, "--structure", "2,4,2", "--epochs",
                         "1", "--out", str(tmp_path / "m.nnpy")], out=out) == 0
        assert f"on {samples} samples" in out.getvalue()


PANDAS_WITH_INDEX = ",0,1,2\n0,1,0.5,0.25\n1,0,0.25,0.5\n2,1,0.75,1\n3,0,1,0.75\n"   # DataFrame.to_csv()


def test_pandas_row_index_is_refused_not_read_as_the_labels(tmp_path):
    index = r"column 1 has no name in the header row \(,0,1,2\): is it pandas' row index\? .*to_csv\(index=False\)"
    with pytest.raises(DataError, match="^" + index):
        load_csv(PANDAS_WITH_INDEX)                 # was: labels 0, 1, 2, 3 (the row numbers), no word
    with pytest.raises(DataError, match=index):
        Network([3, 4, 2], verbose=False).fit(PANDAS_WITH_INDEX, epoch=1, save=False)
    (tmp_path / "i.csv").write_text(PANDAS_WITH_INDEX)
    err = io.StringIO()
    import contextlib
    with contextlib.redirect_stderr(err):
        assert cli.main(["train", "--train", str(tmp_path / "i.csv"), "--structure", "3,2", "--out",
                         str(tmp_path / "m.nnpy")], out=io.StringIO()) == 2
    assert "is it pandas' row index?" in err.getvalue() and not (tmp_path / "m.nnpy").exists()
    p = Playground()
    p.configure({"dataset": "xor"})
    with pytest.raises(DataError, match=r"column 1 has no name in the header row \(,x1,x2,label\): is it pandas'"):
        p.load_csv(",x1,x2,label\n" + "".join(f"{i},{i % 3},{i % 4},{i % 2}\n" for i in range(8)), "df.csv")


def test_cli_predict_refuses_labels_that_are_not_the_models_classes_before_predicting(tmp_path):
    import contextlib
    rows = "".join(f"{i % 3},{i % 5 / 5},{i % 7 / 7}\n" for i in range(30))
    (tmp_path / "t.csv").write_text(rows)
    assert cli.main(["train", "--train", str(tmp_path / "t.csv"), "--structure", "2,4,3", "--epochs", "1",
                     "--quiet", "--out", str(tmp_path / "m.nnpy")], out=io.StringIO()) == 0

    def predict(text, *flags):
        (tmp_path / "p.csv").write_text(text)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err):
            status = cli.main(["predict", str(tmp_path / "m.nnpy"), "--csv", str(tmp_path / "p.csv"), *flags],
                              out=out)
        return status, out.getvalue(), err.getvalue()

    from_one = "".join(f"{1 + i % 3},{i % 5 / 5},{i % 7 / 7}\n" for i in range(30))
    status, out, err = predict(from_one)
    assert status == 2 and out == ""               # nothing printed as if it were right
    assert err.strip().endswith("the label) holds 1, 2, 3, but this model's classes are 0..2 (class labels "
                                "count from 0); sample 3 has label 3. Counted from 1? Subtract 1 from every label.")
    status, out, err = predict("7,0.5,0.5\n" + rows)
    assert status == 2 and "holds 0, 1, 2, 7" in err and "Is the first row a header? --header reads it as one" in err
    status, out, _ = predict("7,0.5,0.5\n" + rows, "--header")
    assert status == 0 and out.splitlines()[-1].startswith("accuracy: ") and "(of 30)" not in out
    assert out.splitlines()[-1].endswith(" of 30)")


def test_the_cli_names_decimal_commas_and_a_missing_label_column(tmp_path):
    import contextlib
    (tmp_path / "c.csv").write_text("label;x1;x2\n1;0,5;2\n0;1;3\n")
    (tmp_path / "p.csv").write_text("".join(f"{i % 5},{i % 3},{i % 7}\n" for i in range(9)))  # 3 features, no label
    for argv, said in (
            (["--train", str(tmp_path / "c.csv"), "--delimiter", ";", "--structure", "2,2"],
             "row 2 (counting the header as row 1), column 2: '0,5' is not a number: decimal commas are not "
             "numbers here; write a decimal point (0.5)"),
            (["--train", str(tmp_path / "p.csv"), "--structure", "3,2"],
             "has 3 columns, but the structure's 3 inputs and the label need 4: is the label column missing?")):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            assert cli.main(["train", *argv, "--out", str(tmp_path / "m.nnpy")], out=io.StringIO()) == 2
        assert said in err.getvalue()


# ------------------------------------------------------------------ kind 3: labels from 0

TWO_BLOBS = "".join(f"{1 + i % 2},{(-1) ** i * 2 + 0.01 * i},{(-1) ** i * 2}\n" for i in range(40))


def test_labels_that_skip_zero_are_named_with_the_rule_everywhere(tmp_path):
    rule = r"the labels are 1, 2: class labels count from 0 without gaps \(2 classes: 0 and 1\), so class 0 would have no samples"
    assert label_problem(np.array([0, 1, 2])) is None
    assert "class 1 would have no samples" in label_problem(np.array([0, 2, 2]))
    _, y, info = load_csv(TWO_BLOBS, return_info=True)      # a test set may lack a class: a note, not a refusal
    assert info["labels"] == [1, 2] and any("the labels are 1, 2" in n for n in info["notes"])
    with pytest.raises(ValueError, match="The training data cannot train this network: " + rule):
        Network([2, 4, 3], verbose=False).fit(TWO_BLOBS, epoch=1, save=False)
    with pytest.raises(ValueError, match=rule):
        Network([2, 4, 3], verbose=False).fit((np.zeros((4, 2)), np.array([1, 2, 1, 2])), epoch=1, save=False)
    (tmp_path / "b.csv").write_text(TWO_BLOBS)
    err = io.StringIO()
    import contextlib
    with contextlib.redirect_stderr(err):
        status = cli.main(["train", "--train", str(tmp_path / "b.csv"), "--structure", "2,4,3", "--out",
                           str(tmp_path / "m.nnpy")], out=io.StringIO())
    assert status == 2 and "the labels are 1, 2: class labels count from 0" in err.getvalue()
    p = Playground()
    p.configure({"dataset": "xor"})
    before = p.points()
    page_format = "".join(f"{(-1) ** i * 2 + 0.01 * i},{(-1) ** i * 2},{1 + i % 2}\n" for i in range(40))
    with pytest.raises(DataError, match=rule):
        p.load_csv(page_format, "blobs.csv")
    assert all(np.array_equal(before[k], p.points()[k]) for k in ("train_y", "test_y"))
    assert p.network()["classes"] == 2                           # no third, empty class


def test_binary_labels_out_of_range_name_the_labels_found():
    with pytest.raises(ValueError, match=r"labels up to 2, but the network has 2 classes \(labels 0..1\); "
                                         r"the labels found are 0, 2"):
        Network([2, 3, 1], verbose=False).fit((np.zeros((4, 2)), np.array([0, 1, 0, 1])), (np.zeros((2, 2)),
                                              np.array([0, 2])), epoch=1, save=False)


# ------------------------------------------------------------------ the smaller ones

def test_the_engine_reads_the_label_column_behind_a_byte_order_mark_and_says_header():
    p = Playground()
    p.configure({"dataset": "xor"})
    text = "\ufefflabel,x1,x2\n" + "".join(f"{i % 2},{i % 3 - 1},{i % 4 - 2}\n" for i in range(12))
    r = p.load_csv(text, "bom.csv")
    pts = p.points()
    labels = np.concatenate([pts["train_y"], pts["test_y"]])
    assert sorted(labels.tolist()) == [0] * 6 + [1] * 6          # the label column, not x2
    assert r["notes"] == ["first row read as the header: label,x1,x2 (to read it as data, choose: CSV first "
                          "row is data)"]


def test_one_column_too_few_says_the_label_column_is_missing():
    text = "".join(",".join(str((v * r) % 256) for v in range(784)) + "\n" for r in range(1, 4))  # pixels only
    with pytest.raises(ValueError, match=r"The training data has 784 columns, but the structure's 784 inputs and "
                                         r"the label need 785: is the label column missing"):
        Network([784, 10], verbose=False).fit(text, epoch=1, save=False)


def test_semicolons_and_decimal_commas(tmp_path):
    text = "label;x1;x2\n1;0,5;2\n0;1;3\n"
    with pytest.raises(DataError, match=r"'0,5' is not a number: decimal commas are not numbers here; write a "
                                        r"decimal point \(0.5\)"):
        load_csv(text, delimiter=";")
    X, y = load_csv(text.replace("0,5", "0.5"), delimiter=";")
    assert X.tolist() == [[0.5, 2.0], [1.0, 3.0]]
    rows = "".join(f"{i % 2};{i / 10};{-i / 10}\n" for i in range(20))
    (tmp_path / "s.csv").write_text(rows)
    out = io.StringIO()
    assert cli.main(["train", "--train", str(tmp_path / "s.csv"), "--delimiter", "semicolon", "--structure",
                     "2,2", "--epochs", "1", "--out", str(tmp_path / "m.nnpy")], out=out) == 0
    assert "on 20 samples" in out.getvalue()
    p = Playground()
    p.configure({"dataset": "xor"})
    r = p.load_csv("".join(f"{i / 10};{-i / 10};{i % 2}\n" for i in range(20)), "s.csv", delimiter=";")
    assert len(r["points"]["train_y"]) + len(r["points"]["test_y"]) == 20
    with pytest.raises(DataError, match="decimal commas are not numbers here"):
        p.load_csv("x1;x2;label\n0,5;1;0\n1;1;1\n2;2;0\n3;3;1\n", "c.csv", delimiter=";")
    # the page's separator left at comma for a file of semicolons: the message names its control
    with pytest.raises(DataError, match="no comma , in the first line, which has a semicolon ;: choose "
                                        "“semicolon ;” in CSV separator"):
        p.load_csv("x1;x2;label\n0.5;1;0\n1;1;1\n2;2;0\n3;3;1\n", "s.csv")
    with pytest.raises(DataError, match="which has a tab: choose “tab”"):
        p.load_csv("x1\tx2\tlabel\n0.5\t1\t0\n1\t1\t1\n2\t2\t0\n3\t3\t1\n", "t.csv", delimiter=";")


# ------------------------------------------------------------------ issue 16: linear time, with a guard

SIZE = 200_000
RUNS = {"digits": "1" * SIZE + "x", "letters": "a" * SIZE, "separators": ",;\t.-" * (SIZE // 5),
        "percent": "%" * SIZE, "unicode": "é✓𝟙" * (SIZE // 3)}


def _parse_everything(queue):
    """Every CSV and model-file parser of user text, fed each run; what each said (or the crash)."""
    try:
        queue.put(_outcomes())
    except BaseException as e:  # a crash is reported, not waited for
        queue.put([("crash", "crash", f"{type(e).__name__}: {e}")])


def _outcomes():
    """(run, where, what was said) for every parser of user text, and the check each answer must pass."""
    import json
    import struct

    from nnpy import SequentialModel
    from nnpy.browser.mnist_files import read_mnist_model
    from nnpy.browser.workshop import (MAX_FILE_CHARS, PROGRESS_FORMAT, PROGRESS_VERSION, StudentCodeError,
                                       load_modules, read_progress)
    from nnpy.interop import from_safetensors, load_safetensors, to_safetensors
    from nnpy.saved_models import ModelFileError, load_model_bytes, save_model_bytes
    outcomes = []

    def said(name, where, call, errors=(DataError, ModelFileError, ValueError)):
        try:
            result = call()
            outcomes.append((name, where, ("loaded", result)))
        except errors as e:
            outcomes.append((name, where, str(e)))

    p = Playground()
    p.configure({"dataset": "xor"})
    good_csv = "x1,x2,label\n0,0,0\n1,1,1\n0,1,1\n1,0,0\n"
    tiny = SequentialModel.from_structure([2, 3, 2], seed=0)
    weights = to_safetensors(tiny)
    (length,) = struct.unpack("<Q", weights[:8])
    header = json.loads(weights[8:8 + length])
    body = weights[8 + length:]

    def safetensors_with(head):
        raw = json.dumps(head, ensure_ascii=False).encode("utf-8")
        return struct.pack("<Q", len(raw)) + raw + body

    mnist = dict(dtype=np.float32, inputs=784, classes=10, hidden_activations=("relu", "tanh"),
                 max_layers=4, max_units=1024)
    for name, run in RUNS.items():
        # CSV text, as nnpy.load_csv and the page's upload (Playground.load_csv) read it
        for text in (run, f"label,x\n1,{run}\n", f"{run}\n0,1\n", f"1,2\n{run},3\n"):
            said(name, "load_csv", lambda: load_csv(text))
            said(name, "page csv", lambda: p.load_csv(text, "f.csv"))
        # model files: the run as the file, and as the metadata of a good file
        data = run.encode("utf-8")
        for where, reader in (("load_model_bytes", load_model_bytes),
                              ("page import", lambda d: p.import_model(d, "x.nnpy")),
                              ("mnist import", lambda d: read_mnist_model(d, "x.nnpy", **mnist))):
            said(name, where, lambda: reader(data))
        with_meta = save_model_bytes(tiny, metadata={"features": [run, "x2"], "note": run})
        said(name, "model metadata", lambda: load_model_bytes(with_meta, return_metadata=True)[1])
        said(name, "page import metadata", lambda: p.import_model(with_meta, "m.nnpy"))
        # safetensors: the run as the header, as its nnpy.model metadata, as other metadata
        said(name, "safetensors header", lambda: from_safetensors(struct.pack("<Q", len(data)) + data + body))
        for key in ("nnpy.model", "features"):
            meta = dict(header.get("__metadata__", {}), **{key: run})
            said(name, f"safetensors {key}",
                 lambda: _load_safetensors_bytes(load_safetensors, safetensors_with(dict(header, __metadata__=meta))))
        # file names: the page echoes them in its messages and the Code panel writes them
        said(name, "csv name", lambda: p.load_csv(good_csv, run)["notes"])
        said(name, "import name", lambda: p.import_model(b"not a model", run))
        # the workshop: a progress file (its JSON, a step named by the file), and the editors' text
        said(name, "progress file", lambda: read_progress(run))
        said(name, "progress file", lambda: read_progress("[" * 100_000 + run))
        said(name, "progress file", lambda: read_progress(json.dumps(
            {"format": PROGRESS_FORMAT, "version": PROGRESS_VERSION, "code": {run: "x = 1"}})))
        said(name, "editor", lambda: load_modules({"activations.py": run}), (ValueError, StudentCodeError))
        said(name, "editor", lambda: load_modules({"activations.py": run[:MAX_FILE_CHARS]}),
             (ValueError, StudentCodeError))
        said(name, "code panel", lambda: p.code())   # its scripts and notebook, after the CSV named `run`
    return outcomes


def _load_safetensors_bytes(load_safetensors, data):
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "w.safetensors")
        with open(path, "wb") as f:
            f.write(data)
        return load_safetensors(path, return_metadata=True)[1]


def _expect(where, said):
    """What each parser must answer to a megabyte of one kind of character."""
    loaded = isinstance(said, tuple)
    if where in ("model metadata",):          # kept as data (a long name is not code), read back exactly
        return loaded and said[1]["note"] in RUNS.values()
    if where == "safetensors features":       # metadata that is not JSON is kept as text
        return loaded and said[1]["features"] in RUNS.values()
    if where == "csv name":                   # the name is a label only: the data loads
        return loaded
    if where == "code panel":                 # the Code panel writes at most a short, safe part of the name
        return loaded and all(len(v) < 20_000 for v in said[1].values() if isinstance(v, str))
    # everything else is refused, saying why in words, never a traceback
    if where == "editor":                     # a student's file: refused by length, or Python's own words
        return not loaded and 0 < len(said) <= 2_000
    return not loaded and 0 < len(said) and "Traceback" not in said and (
        where == "import name" or len(said) <= 2_000)


def test_every_python_parser_of_user_text_answers_a_megabyte_in_linear_time():
    """Each kind of character in a ~200 kB run (1 MB in all) through every Python parser of user text:
    CSV, model files and their metadata, safetensors headers and metadata, file names and what the
    Code panel writes from them, the workshop's progress files and its editors' text. A parser that backtracks or loops would not answer in the guard."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_parse_everything, args=(queue,))
    proc.start()
    try:
        outcomes = queue.get(timeout=240)          # the hang guard: generous, for a shared machine
    finally:
        proc.join(10)
        if proc.is_alive():
            proc.kill()
    assert outcomes[0][0] != "crash", outcomes
    assert {name for name, _, _ in outcomes} == set(RUNS)
    assert len(outcomes) == 5 * (8 + 3 + 2 + 3 + 3 + 5)
    for name, where, said in outcomes:
        assert _expect(where, said), (name, where, str(said)[:300])


def test_the_page_refuses_a_csv_longer_than_it_can_use_before_reading_it():
    p = Playground()
    p.configure({"dataset": "xor"})
    with pytest.raises(DataError, match=r"^the CSV has 2,000,001 characters; the playground takes up to "
                                        r"2,000,000 \(5000 points\)$"):
        p.load_csv("1" * 2_000_001, "big.csv")


def test_a_csv_of_too_few_points_is_counted_in_plain_english():
    """'the CSV has 1 points' read oddly to a student (seen uploading a one-row file)."""
    p = Playground()
    p.configure({"dataset": "xor"})
    with pytest.raises(DataError, match=r"^the CSV has 1 point; the playground takes 4\.\.\d+$"):
        p.load_csv("1,2,0\n", "one.csv")
    with pytest.raises(DataError, match=r"^the CSV has 2 points; the playground takes 4\.\.\d+$"):
        p.load_csv("1,2,0\n2,1,1\n", "two.csv")


def test_a_one_line_csv_on_the_page_is_its_text_never_a_path(tmp_path):
    # nnpy.load_csv reads a str without a line break as a path; the page's upload is always the text
    path = tmp_path / "points.csv"
    path.write_text("x1,x2,label\n0,0,0\n1,1,1\n0,1,1\n1,0,0\n")
    p = Playground()
    p.configure({"dataset": "xor"})
    with pytest.raises(DataError) as info:
        p.load_csv(str(path), "one-line.csv")
    assert "cannot read" not in str(info.value) and "single column" in str(info.value)
    with pytest.raises(DataError, match=r"the CSV has 1 point; the playground takes 4\.\.5000"):
        p.load_csv("0.5,0.5,1", "one-row.csv")
    assert p.load_csv(path.read_text(), "points.csv")["notes"]      # the file's text loads


def test_a_path_too_long_to_read_is_named_shortly():
    with pytest.raises(DataError) as info:
        load_csv("a" * 100_000)
    assert len(str(info.value)) < 400 and "cannot read CSV file 'aaaa" in str(info.value)
