"""The command line: train from CSV files, predict with a saved model, show a model.

    python -m nnpy train --train train.csv --test test.csv --structure 784,128,64,10 \\
        --epochs 10 --lr 0.01 --batch-size 64 --out model.nnpy
    python -m nnpy predict model.nnpy --input 5,7        # class 3 with 91.2% confidence
    python -m nnpy predict model.nnpy --csv inputs.csv
    python -m nnpy summary model.nnpy
    python -m nnpy mnist-csv --data dist/data/mnist.npz --out-dir mnist/
    python -m nnpy export model.nnpy --safetensors model.safetensors --pytorch model_torch.py

Bad input (a missing or broken file, a bad CSV, a bad option) prints one
line, ``nnpy: error: ...``, and exits with status 2; a training run that
diverges exits with 1. No tracebacks for either.
"""

import argparse
import json
import os
import re
import sys
import tempfile

import numpy as np

from ._version import __version__
from .data import DataError, load_csv, save_csv
from .mnist import load_mnist
from .inference import Predictor
from .interop import save_safetensors
from .optim import OPTIMIZERS
from .plot import check_plot_path
from .saved_models import ModelFileError, load_model
from .torch_code import predict_script
from .trainer import TrainingDiverged
from .workflow import Network


class UserError(Exception):
    """Bad input from the command line; printed as one line, exit status 2."""


def _int_list(text):
    try:
        sizes = [int(part) for part in text.replace(" ", "").split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected layer sizes separated by commas, like 784,128,64,10; got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"expected at least two positive sizes (inputs and outputs); got {text!r}")
    return sizes


def _numbers(text):
    try:
        values = [float(part) for part in text.replace(" ", "").split(",") if part != ""]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, like 5,7; got {text!r}") from None
    bad = [i for i, v in enumerate(values) if not np.isfinite(v)]
    if bad:
        raise argparse.ArgumentTypeError(
            f"value {bad[0] + 1} of {text!r} is not a finite number: inputs must be finite numbers")
    return values


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number; got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive number; got {text!r}")
        return value
    return parse


def _scale(text):
    if text in ("auto", "none", "pixels", "standardize"):
        return text
    try:
        return _positive(float)(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected auto, none, pixels, standardize or a positive number; got {text!r}") from None


def _delimiter(text):
    named = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t"}
    value = named.get(text, text)
    if len(value) != 1 or value in "\r\n\"":
        raise argparse.ArgumentTypeError(f"expected one character (or comma, semicolon, tab); got {text!r}")
    return value


def _csv_options(command):
    header = command.add_mutually_exclusive_group()
    header.add_argument("--header", dest="header", action="store_const", const=True, default="auto",
                        help="the CSV's first row is a header (default: decided from the file, and said)")
    header.add_argument("--no-header", dest="header", action="store_const", const=False,
                        help="the CSV's first row is data")
    command.add_argument("--delimiter", type=_delimiter, default=",", metavar="CHAR",
                         help="the CSV's cell separator: a character, or comma, semicolon, tab "
                              "(default: comma). Decimal commas are not read as numbers.")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="nnpy", description="nnpy: train and run small neural networks from CSV files.",
        epilog="Run 'nnpy COMMAND --help' for the options of each command.")
    parser.add_argument("--version", action="version", version=f"nnpy {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser(
        "train", help="train a network on a CSV file and save it",
        description="Train a network on a CSV (label in the first column, header optional) and "
                    "save it. ReLU hidden layers, softmax output (sigmoid for one output).",
        epilog="Input scaling: --scale auto (the default) divides by 255 when every training value is a "
               "whole number 0..255 and some are above 1 (pixels), and says so; none, pixels (/255), "
               "standardize (per column, the training set's mean and std) or N (/N) settle it. The "
               "scaling is saved in the model file and applied to every input it predicts.")
    train.add_argument("--train", required=True, metavar="CSV", help="training data")
    train.add_argument("--test", metavar="CSV", help="test data, evaluated after every epoch")
    train.add_argument("--structure", required=True, type=_int_list, metavar="SIZES",
                       help="layer sizes, inputs first: 784,128,64,10")
    train.add_argument("--epochs", type=_positive(int), default=10, help="default: 10")
    train.add_argument("--lr", type=_positive(float), default=0.01,
                       help="learning rate (default: 0.01)")
    train.add_argument("--batch-size", type=_positive(int), default=64, help="default: 64")
    train.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd",
                       help="default: sgd")
    train.add_argument("--hidden-activation", default="relu", help="default: relu")
    train.add_argument("--output-activation", default="auto",
                       help="auto (softmax, or sigmoid for one output), softmax, sigmoid, linear")
    train.add_argument("--scale", type=_scale, default="auto", metavar="auto|none|pixels|standardize|N",
                       help="input scaling, saved with the model (default: auto: pixels when the data "
                            "look like pixels, else none)")
    _csv_options(train)
    train.add_argument("--seed", type=int, help="fixes the initial weights and the shuffling")
    train.add_argument("--out", required=True, metavar="FILE", help="where to save the model")
    train.add_argument("--plot", metavar="PNG",
                       help="save the training curves (loss and accuracy per epoch) there; needs "
                            "matplotlib (pip install \"nnpy[plot]\"); .svg and .pdf work too")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                       help="0 nothing but errors, 1 a progress bar (default), 2 a line per epoch")
    train.add_argument("--quiet", action="store_true", help="print nothing but errors (--verbose 0)")

    predict = commands.add_parser(
        "predict", help="run a saved model on inputs",
        description="Run a saved model: prints 'class 3 with 91.2% confidence' for a "
                    "classifier, the value for a regression model.")
    predict.add_argument("model", metavar="MODEL", help="a model file saved by nnpy")
    source = predict.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", type=_numbers, action="append", metavar="X1,X2,...",
                        help="one sample as numbers separated by commas (repeatable)")
    source.add_argument("--csv", metavar="CSV",
                        help="one sample a row; with one more column than the model's inputs, "
                             "the first column is the label and the accuracy is printed")
    _csv_options(predict)

    summary = commands.add_parser("summary", help="show a saved model's layers and metadata",
                                  description="Show a saved model's layers, sizes and metadata.")
    summary.add_argument("model", metavar="MODEL", help="a model file saved by nnpy")

    mnist = commands.add_parser(
        "mnist-csv", help="write MNIST digits as train.csv and test.csv",
        description="Write the digits of an MNIST .npz (as the build makes) in the seed's CSV "
                    "format: label, pixel1..pixel784 (0..255), with a header row.")
    mnist.add_argument("--data", required=True, metavar="NPZ", help="e.g. dist/data/mnist.npz")
    mnist.add_argument("--out-dir", required=True, metavar="DIR")
    mnist.add_argument("--n", type=_positive(int), help="use a stratified subset of N digits")
    mnist.add_argument("--test-size", type=_positive(float), default=0.2,
                       help="fraction (or count) of digits for test.csv (default: 0.2)")
    mnist.add_argument("--seed", type=int, default=0, help="default: 0")

    export = commands.add_parser(
        "export", help="write a saved model's weights for PyTorch",
        description="Write a saved model's weights as safetensors with PyTorch's nn.Sequential "
                    "names, and a PyTorch script that builds that nn.Sequential, loads them and "
                    "predicts as nnpy does.",
        epilog="--pytorch without --safetensors also writes the weights beside the script "
               "(SCRIPT's name, .safetensors).")
    export.add_argument("model", metavar="MODEL", help="a model file saved by nnpy")
    export.add_argument("--safetensors", metavar="OUT", help="the weights file to write")
    export.add_argument("--pytorch", metavar="SCRIPT", help="the PyTorch script to write")
    return parser


# ------------------------------------------------------------------- commands

def _same_file(a, b):
    """Whether paths a and b name one file (an existing one, or the same path)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _check_outputs(outputs, inputs):
    """Refuse, before any work, an output that would overwrite an input or another output, or
    that is a directory: the student's data and model are never written over by a slip.

    outputs, inputs: lists of (option, path or None). Raises UserError naming both options.
    """
    outputs = [(o, p) for o, p in outputs if p is not None]
    for option, path in outputs:
        if os.path.isdir(path):
            raise UserError(f"{option} {path} is a directory; give a file name for {option}")
    for i, (option, path) in enumerate(outputs):
        for other, source in [x for x in inputs if x[1] is not None] + outputs[:i]:
            if _same_file(path, source):
                raise UserError(f"{option} {path} is the file given as {other}: writing it would "
                                f"destroy that file; give {option} another name")


def _check_writable(option, path):
    """Refuse, before training, a file that cannot be written there (a special or read-only
    folder, a file where a folder should be): otherwise the whole training is lost at the end.
    Folders that do not exist yet are made when saving, so the nearest existing one is tried."""
    folder = os.path.dirname(os.path.abspath(path))
    below = None
    while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder, below = os.path.dirname(folder), folder
    if below is not None and os.path.exists(below):
        raise UserError(f"{option} {path}: {below} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".nnpy-probe-")
    except OSError as exc:
        raise UserError(f"{option} {path}: nothing can be written in {folder} "
                        f"({exc.strerror or exc}); choose another place") from None
    os.close(fd)
    os.unlink(probe)


def cmd_train(args, out):
    verbose = 0 if args.quiet else args.verbose
    _check_outputs([("--out", args.out), ("--plot", args.plot)],
                   [("--train", args.train), ("--test", args.test)])
    for option, path in (("--out", args.out), ("--plot", args.plot)):
        if path is not None:
            _check_writable(option, path)
    if args.plot is not None:   # matplotlib there and the file writable: known before training
        try:
            check_plot_path(args.plot)
        except ImportError as exc:
            raise UserError(f"--plot: {exc}") from None
    net = Network(args.structure, hidden_activation=args.hidden_activation,
                  output_activation=args.output_activation, optimizer=args.optimizer,
                  seed=args.seed, verbose=verbose)
    net.fit(args.train, args.test, epoch=args.epochs, alpha=args.lr, batch_size=args.batch_size,
            scale=args.scale, header=args.header, delimiter=args.delimiter, save_to=args.out,
            stream=out)
    if args.plot is not None:
        title = f"{'-'.join(map(str, net.structure))}, {len(net.history['loss'])} epochs"
        net.history.plot(args.plot, title=title)
        if verbose:
            print(f"training curves saved to {args.plot}", file=out)
    return 0


def cmd_export(args, out):
    if args.safetensors is None and args.pytorch is None:
        raise UserError("export needs --safetensors OUT, --pytorch SCRIPT or both")
    model, metadata = load_model(args.model, return_metadata=True)
    weights = args.safetensors
    if weights is None:
        weights = os.path.splitext(args.pytorch)[0] + ".safetensors"
    _check_outputs([("--safetensors", weights), ("--pytorch", args.pytorch)], [("the MODEL", args.model)])
    keep = {k: metadata[k] for k in ("features", "input_scaling", "input_divisor", "input_mean", "input_std",
                                     "class_names") if k in metadata}
    save_safetensors(model, weights, metadata=keep)
    names = ", ".join(f"{2 * i}.weight, {2 * i}.bias" for i in range(min(len(model.layers), 2)))
    more = ", ..." if len(model.layers) > 2 else ""
    print(f"wrote {weights}: {model.count_params():,} weights under PyTorch's names "
          f"({names}{more})", file=out)
    if args.pytorch is not None:
        folder = os.path.dirname(os.path.abspath(args.pytorch))
        relative = os.path.relpath(os.path.abspath(weights), folder).replace(os.sep, "/")
        script = predict_script(model, relative, metadata, source=os.path.basename(args.model))
        with open(args.pytorch, "w", encoding="utf-8") as f:
            f.write(script)
        print(f"wrote {args.pytorch}: the nn.Sequential that loads it "
              f"(python {args.pytorch} inputs.csv)", file=out)
    return 0


def _describe(predictor, item):
    if item.confidence is None:
        return str(item).replace("prediction = ", "")
    shown = item.name if item.name is not None else item.label
    return f"class {shown} with {100 * item.confidence:.1f}% confidence"


def _check_labels(labels, predictor, path, first_row_may_be_header):
    """Refuse, before predicting, a label column that is not this model's classes ``0..K-1``.

    The accuracy would otherwise count a label ``K`` (or ``1..K`` for classes
    counted from 1) as a wrong answer without a word. The message names the
    labels found and the rule; when only the first row is off, it asks
    whether that row is a header (``--header``).
    """
    k = 2 if predictor.model.output_size == 1 else predictor.model.output_size
    bad = (labels != np.floor(labels)) | (labels < 0) | (labels >= k)
    if not bad.any():
        return
    found = np.unique(labels)
    listed = ", ".join(f"{v:g}" for v in found[:10]) + (", ..." if len(found) > 10 else "")
    row = int(np.argmax(bad))
    hint = (" Is the first row a header? --header reads it as one."
            if first_row_may_be_header and row == 0 and not bad[1:].any() else
            " Counted from 1? Subtract 1 from every label." if found[0] == 1 and found[-1] == k else "")
    raise UserError(f"the first column of {path} (the label) holds {listed}, but this model's classes are "
                    f"0..{k - 1} (class labels count from 0); sample {row + 1} has label {labels[row]:g}.{hint}")


def cmd_predict(args, out):
    predictor = Predictor(args.model)
    width = 2 if predictor.features is not None else predictor.model.input_size
    labels = None
    if args.input is not None:
        rows = args.input
        for i, row in enumerate(rows):
            if len(row) != width:
                raise UserError(f"--input {'number ' + str(i + 1) + ' ' if len(rows) > 1 else ''}has "
                                f"{len(row)} number{'s' if len(row) != 1 else ''}, but one sample of this model "
                                f"has {width}; for several samples, repeat --input (one sample each)")
        X = np.array(rows, dtype=np.float64)
    else:
        rest, first, info = load_csv(args.csv, label_type="float", header=args.header,
                                     delimiter=args.delimiter, return_info=True)  # (columns 2.., column 1)
        for note in info["notes"]:
            print(f"nnpy: {args.csv}: {note}", file=sys.stderr)
        table = np.column_stack([first, rest])
        if table.shape[1] == width + 1:
            labels, X = table[:, 0], table[:, 1:]
        elif table.shape[1] == width:
            X = table
        else:
            raise UserError(f"{args.csv} has {table.shape[1]} columns; this model takes {width} "
                            f"inputs (or {width + 1} columns with the label first)")
        if labels is not None and predictor.is_classifier:
            _check_labels(labels, predictor, args.csv, info["header"] is None and args.header == "auto")
    results = predictor.explain(X)
    results = results if isinstance(results, list) else [results]
    many = len(results) > 1
    for i, item in enumerate(results):
        print((f"row {i + 1}: " if many else "") + _describe(predictor, item), file=out)
    if labels is not None and predictor.is_classifier:
        right = int(sum(int(item.label) == int(t) for item, t in zip(results, labels)))
        print(f"accuracy: {100 * right / len(results):.2f}% ({right} of {len(results)})",
              file=out)
    return 0


def cmd_summary(args, out):
    predictor = Predictor(args.model)
    print(predictor.model.format_summary(), file=out)
    kind = "classifier" if predictor.is_classifier else "regression model"
    print(f"Output: {predictor.model.layers[-1].activation.name} ({kind})", file=out)
    print(f"File: {args.model} ({os.path.getsize(args.model):,} bytes)", file=out)
    if predictor.metadata:
        print("Metadata:", file=out)
        for key, value in predictor.metadata.items():
            print(f"  {key}: {json.dumps(value, ensure_ascii=False)}", file=out)
    return 0


def cmd_mnist_csv(args, out):
    _check_outputs([("--out-dir's " + name, os.path.join(args.out_dir, name))
                    for name in ("train.csv", "test.csv")], [("--data", args.data)])
    test_size = args.test_size if args.test_size < 1 else int(args.test_size)
    X_train, y_train, X_test, y_test = load_mnist(args.data, n=args.n, test_size=test_size,
                                                  seed=args.seed, normalize=False)
    os.makedirs(args.out_dir, exist_ok=True)
    header = ["label"] + [f"pixel{i + 1}" for i in range(784)]
    for name, X, y in (("train.csv", X_train, y_train), ("test.csv", X_test, y_test)):
        path = os.path.join(args.out_dir, name)
        save_csv(path, X.astype(np.uint8), y, header=header)
        print(f"wrote {path}: {len(y)} digits", file=out)
    return 0


def _attach_negative_inputs(argv):
    """``--input -0.5,1`` -> ``--input=-0.5,1``: argparse would take ``-0.5,1`` for an option."""
    argv = list(argv)
    out, i = [], 0
    while i < len(argv):
        if argv[i] == "--input" and i + 1 < len(argv) and \
                re.match(r"-[\d.]", argv[i + 1]):
            out.append("--input=" + argv[i + 1])
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


COMMANDS = {"train": cmd_train, "predict": cmd_predict, "summary": cmd_summary,
            "mnist-csv": cmd_mnist_csv, "export": cmd_export}


def main(argv=None, out=None):
    """Run the command line; returns the exit status (0 ok, 1 diverged, 2 bad input)."""
    out = out if out is not None else sys.stdout
    parser = build_parser()
    args = parser.parse_args(_attach_negative_inputs(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](args, out)
    except TrainingDiverged as exc:
        print(f"nnpy: training diverged: {exc}", file=sys.stderr)
        return 1
    except (UserError, ModelFileError, DataError, ValueError, OSError) as exc:
        message = str(exc)
        if isinstance(exc, OSError) and exc.strerror:
            message = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
        print(f"nnpy: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nnpy: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
