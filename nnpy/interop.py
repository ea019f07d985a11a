"""Weights for PyTorch: safetensors files with ``nn.Sequential`` names.

safetensors (the format PyTorch, Hugging Face and tinygrad share) is data,
never code. A file is::

    8 bytes        N, the header's length, unsigned little-endian
    N bytes        JSON: {"0.weight": {"dtype": "F64", "shape": [4, 2],
                                       "data_offsets": [0, 64]}, ...,
                          "__metadata__": {"format": "pt", ...}}
                   padded with spaces so the data starts at a multiple of 8
    the data       every tensor's raw little-endian bytes, C order, one after
                   another with no gaps; offsets count from the data's start

Names follow PyTorch's ``nn.Sequential`` of ``Linear`` layers each followed
by its activation module: nnpy's layer ``i`` is the ``Linear`` at index
``2 * i``, so ``"0.W"`` of shape ``(in, out)`` becomes ``"0.weight"`` of
shape ``(out, in)`` (``W.T``: PyTorch computes ``x @ weight.T + bias``) and
``"1.b"`` becomes ``"2.bias"``. The scripts of :mod:`nnpy.browser.codegen` build
exactly that ``nn.Sequential``, so ``model.load_state_dict(load_file(path))``
takes the file as it is.

Files, as the safetensors library's ``save_file``/``load_file`` write and read them::

    save_safetensors(model, "model.safetensors")      # PyTorch: model.load_state_dict(load_file(...))
    model = load_safetensors("model.safetensors")     # the nnpy model again, architecture and weights

Bytes:
    >>> data = to_safetensors(model, {"features": ["x1", "x2"]})
    >>> tensors = from_safetensors(data)          # {"0.weight": array, ...}
    >>> model.load_state_dict(state_dict_from_torch(tensors))
"""

import json
import os
import re
import struct

import numpy as np

from ._formats import strict_json
from .model import SequentialModel
from .saved_models import ModelFileError

MAX_HEADER_BYTES = 2**20        # the reader's cap on the JSON header: ~10,000 tensors (safetensors allows 100 MB)
MAX_TENSORS = 4096
MAX_FILE_BYTES = 2**30          # load_safetensors reads files up to 1 GiB
MAX_DIMS = 8
METADATA_KEY = "__metadata__"

# safetensors dtype name -> little-endian NumPy dtype
DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
    "BOOL": "?",
}
_NAMES = {np.dtype(v).str: k for k, v in DTYPES.items()}
_NAMES[np.dtype("?").str] = "BOOL"
_TORCH_NAME = re.compile(r"(0|[1-9][0-9]*)\.(weight|bias)")


# ------------------------------------------------------------------ names

def torch_state_dict(model):
    """nnpy weights under PyTorch ``nn.Sequential`` names: ``{"0.weight": W.T, "0.bias": b, "2.weight": ...}``.

    Args:
        model: a :class:`~nnpy.model.SequentialModel` or its ``state_dict()``
            (``{"0.W": (in, out), "0.b": (out,), ...}``).

    Returns:
        A dict of C-contiguous copies, in layer order.
    """
    state = model.state_dict() if isinstance(model, SequentialModel) else model
    if not isinstance(state, dict) or not state:
        raise ValueError(f"expected a SequentialModel or a non-empty state dict. Received: {type(model).__name__}")
    count = len(state) // 2
    expected = {f"{i}.{k}" for i in range(count) for k in ("W", "b")}
    if set(state) != expected:
        raise ValueError(f"a state dict has keys 0.W, 0.b, 1.W, ... Received: {sorted(state)}")
    out = {}
    for i in range(count):
        W, b = np.asarray(state[f"{i}.W"]), np.asarray(state[f"{i}.b"])
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(f"layer {i}: W must be (in, out) and b (out,). Received {W.shape} and {b.shape}")
        out[f"{2 * i}.weight"] = np.ascontiguousarray(W.T)
        out[f"{2 * i}.bias"] = np.ascontiguousarray(b)
    return out


def state_dict_from_torch(tensors):
    """The inverse of :func:`torch_state_dict`: ``{"0.weight", "0.bias", "2.weight", ...}`` -> ``{"0.W", "0.b", ...}``.

    Accepts NumPy arrays (from :func:`from_safetensors`) or anything
    ``np.asarray`` takes. The ``Linear`` layers must sit at indices 0, 2, 4, ...
    Raises ``ValueError`` naming the unexpected or missing names.
    """
    by_index = {}
    for name in tensors:
        match = _TORCH_NAME.fullmatch(name) if isinstance(name, str) else None
        if match is None:
            raise ValueError(f"unexpected tensor {name!r}: expected names like '0.weight' and '0.bias'")
        by_index.setdefault(int(match.group(1)), {})[match.group(2)] = np.asarray(tensors[name])
    indices = sorted(by_index)
    if indices != list(range(0, 2 * len(indices), 2)):
        raise ValueError(f"Linear layers must be at nn.Sequential indices 0, 2, 4, ...; found {indices}")
    state = {}
    for i, index in enumerate(indices):
        entry = by_index[index]
        missing = {"weight", "bias"} - set(entry)
        if missing:
            raise ValueError(f"layer {index} lacks {', '.join(sorted(missing))}")
        weight, bias = entry["weight"], entry["bias"]
        if weight.ndim != 2 or bias.shape != (weight.shape[0],):
            raise ValueError(f"layer {index}: weight must be (out, in) and bias (out,). "
                             f"Received {weight.shape} and {bias.shape}")
        state[f"{i}.W"] = weight.T.copy()
        state[f"{i}.b"] = bias.copy()
    return state


# ------------------------------------------------------------------ writing

def to_safetensors(model, metadata=None, dtype=None):
    """The model's weights as the bytes of a safetensors file, PyTorch names.

    Args:
        model: a :class:`~nnpy.model.SequentialModel` or its ``state_dict()``,
            or a dict of already named arrays ``{"0.weight": ..., ...}``.
        metadata: optional ``{str: value}`` for the header's ``__metadata__``;
            strings are kept, other values are stored as JSON text (the format
            allows only strings there). ``"format": "pt"`` is added, as
            ``safetensors.torch`` writes it.
        dtype: ``"float32"`` or ``"float64"`` to convert; default: keep the
            model's (nnpy's playground computes in float64: ``F64``).

    Returns:
        ``bytes``; the same weights and metadata always give the same bytes.
    """
    if isinstance(model, SequentialModel) or (isinstance(model, dict) and any(
            isinstance(k, str) and k.endswith((".W", ".b")) for k in model)):
        tensors = torch_state_dict(model)
    elif isinstance(model, dict):
        tensors = dict(model)
    else:
        raise TypeError(f"to_safetensors needs a SequentialModel or a dict of arrays. "
                        f"Received: {type(model).__name__}")
    meta = {"format": "pt"}
    if isinstance(model, SequentialModel):
        meta["nnpy.model"] = json.dumps(model.get_config(), sort_keys=True)
    for key, value in (metadata or {}).items():
        if not isinstance(key, str):
            raise ValueError(f"metadata keys must be strings. Received: {key!r}")
        meta[key] = value if isinstance(value, str) else json.dumps(value, allow_nan=False, sort_keys=True)

    header, chunks, offset = {}, [], 0
    for name, value in tensors.items():
        if not isinstance(name, str) or not name or name == METADATA_KEY:
            raise ValueError(f"tensor names must be non-empty strings other than {METADATA_KEY!r}. "
                             f"Received: {name!r}")
        array = np.asarray(value)
        if dtype is not None:
            array = array.astype(dtype)
        array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        kind = _NAMES.get(array.dtype.str)
        if kind is None:
            raise ValueError(f"tensor {name!r} has dtype {array.dtype}, which safetensors does not store")
        raw = array.tobytes()
        header[name] = {"dtype": kind, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header[METADATA_KEY] = meta
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def save_safetensors(model, path, metadata=None, dtype=None):
    """Write the model's weights to a safetensors file that PyTorch loads as it is.

    Tensor names are ``nn.Sequential``'s (``"0.weight"`` is ``W.T`` of layer
    0, ``"0.bias"`` its ``b``, ``"2.weight"`` layer 1's, ...); the header's
    metadata holds the architecture (``"nnpy.model"``), so
    :func:`load_safetensors` rebuilds the nnpy model from the file alone.
    ``nnpy.torch_code.predict_script`` writes the PyTorch network that loads it.

    Args:
        model: a :class:`~nnpy.model.SequentialModel`.
        path: the file to write (replaced if it exists).
        metadata: optional ``{str: value}`` for the header (see :func:`to_safetensors`).
        dtype: ``"float32"`` or ``"float64"`` to convert; default: the model's.

    Returns:
        ``path``.
    """
    if not isinstance(model, SequentialModel):
        raise TypeError(f"save_safetensors needs a SequentialModel. Received: {type(model).__name__}")
    data = to_safetensors(model, metadata, dtype)
    path = os.fspath(path)
    with open(path, "wb") as f:
        f.write(data)
    return path


def load_safetensors(path, model=None, *, return_metadata=False):
    """Read a safetensors file of an nnpy network: a model with its weights.

    Args:
        path: a file written by :func:`save_safetensors`, by the playground's
            Export, or by PyTorch (``save_file(model.state_dict(), path)`` of an
            ``nn.Sequential`` whose ``Linear`` layers sit at 0, 2, 4, ...).
        model: load the weights into this :class:`~nnpy.model.SequentialModel`
            (strictly: every name and shape) instead of building the model from
            the file's ``"nnpy.model"`` metadata; needed for a file written by
            PyTorch, which does not say the activations.
        return_metadata: also return the header's other metadata, each value
            decoded from JSON where it is JSON (``"features"``) and kept as
            text otherwise.

    Returns:
        The model, or ``(model, metadata)``.

    Raises:
        ModelFileError: the file is not a safetensors file nnpy can read, its
            weights are not finite, or they do not fit the architecture;
            the message says which.
        OSError: the file cannot be read.
    """
    path = os.fspath(path)
    origin = f"safetensors file {os.path.basename(path)!r}"
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise ModelFileError(f"it has {size:,} bytes; the limit is {MAX_FILE_BYTES:,}", origin)
    with open(path, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    try:
        tensors, raw_meta = from_safetensors(data, return_metadata=True)
        state = state_dict_from_torch(tensors)
    except ModelFileError as exc:
        raise ModelFileError(exc.problem, origin) from None
    except ValueError as exc:
        raise ModelFileError(str(exc), origin) from None
    for name, value in state.items():
        if value.dtype.kind != "f" or not np.all(np.isfinite(value)):
            raise ModelFileError(f"tensor for {name} holds {'non-float values' if value.dtype.kind != 'f' else 'NaN or infinite values'}",
                                 origin)
    if model is None:
        model = _model_from_metadata(raw_meta, state, origin)
    elif not isinstance(model, SequentialModel):
        raise TypeError(f"model must be a SequentialModel. Received: {type(model).__name__}")
    try:
        model.load_state_dict(state)
    except ValueError as exc:
        raise ModelFileError(str(exc), origin) from None
    if not return_metadata:
        return model
    metadata = {}
    for key, value in raw_meta.items():
        if key in ("format", "nnpy.model"):
            continue
        try:
            metadata[key] = strict_json.loads(value.encode("utf-8"), max_depth=64)
        except (ValueError, UnicodeEncodeError):   # a plain string, or JSON nnpy would not read
            metadata[key] = value
    return model, metadata


def _model_from_metadata(meta, state, origin):
    """The untrained model the header's ``nnpy.model`` config describes, checked against the weights first."""
    text = meta.get("nnpy.model")
    if text is None:
        raise ModelFileError("it has no nnpy architecture in its metadata (a file from PyTorch?): "
                             "pass the model to load into, load_safetensors(path, model=...)", origin)
    try:
        config = strict_json.loads(text.encode("utf-8"), max_depth=16)
        layers = config["layers"]
        sizes = [(int(layer["in_features"]), int(layer["out_features"])) for layer in layers]
    except (ValueError, TypeError, KeyError, UnicodeEncodeError) as exc:
        raise ModelFileError(f"its nnpy.model metadata is not a model config ({exc})", origin) from None
    count = len(state) // 2
    shapes = [state[f"{i}.W"].shape for i in range(count)]
    if sizes != shapes:   # before anything is allocated from the config's sizes
        raise ModelFileError(f"its nnpy.model metadata has layers {sizes} but the tensors are "
                             f"{[tuple(s) for s in shapes]}", origin)
    try:   # no random weights: the checked tensors are loaded into it next
        return SequentialModel.from_config(config, initialize=False)
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"its nnpy.model metadata: {exc}", origin) from None


# ------------------------------------------------------------------ reading

def from_safetensors(data, *, return_metadata=False, max_header=MAX_HEADER_BYTES):
    """Read safetensors bytes strictly: every offset, shape and dtype checked.

    The data must be exactly what the header describes: tensors contiguous
    from offset 0 with no gaps or overlaps, the last one ending at the end of
    the file, each one's size equal to its shape times its dtype's size.
    Nothing is allocated from a size the header claims before it is checked
    against the bytes actually there.

    Args:
        data: ``bytes`` (or ``bytearray``/``memoryview``) of the whole file.
        return_metadata: also return the ``__metadata__`` dict of strings.
        max_header: refuse headers longer than this many bytes.

    Returns:
        ``{name: ndarray}`` in file order (native-endian copies), and with
        ``return_metadata`` a tuple ``(tensors, metadata)``.

    Raises:
        ModelFileError: whatever is wrong, said in words.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ModelFileError(f"expected the file's bytes. Received: {type(data).__name__}", "safetensors data")
    data = memoryview(data).cast("B")
    fail = _failer()
    if len(data) < 8:
        raise fail(f"the file has {len(data)} bytes; a safetensors file starts with an 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > max_header:
        raise fail(f"the header claims {n:,} bytes; the limit is {max_header:,}")
    if 8 + n > len(data):
        raise fail(f"the header claims {n:,} bytes but only {len(data) - 8:,} follow (truncated?)")
    raw = bytes(data[8:8 + n])
    if not raw.startswith(b"{"):
        raise fail("the header is not a JSON object (it must start with '{'); not a safetensors file?")
    try:
        header = strict_json.loads(raw, max_depth=4)
    except UnicodeDecodeError as exc:
        raise fail(f"the header is not UTF-8 (byte {exc.start})") from None
    except strict_json.NestedTooDeep:
        raise fail("the header is JSON nested deeper than safetensors uses") from None
    except strict_json.StrictJSONError as exc:
        raise fail(f"the header is not valid JSON: {exc}") from None
    if not isinstance(header, dict):
        raise fail("the header is not a JSON object")
    metadata = header.pop(METADATA_KEY, {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise fail("__metadata__ must be an object of strings")
    if len(header) > MAX_TENSORS:
        raise fail(f"the header lists {len(header):,} tensors; the limit is {MAX_TENSORS:,}")
    body = data[8 + n:]
    entries = [(name, _entry(name, info, fail)) for name, info in header.items()]
    expected = 0
    for name, (kind, shape, begin, end) in sorted(entries, key=lambda e: (e[1][2], e[1][3])):
        if begin != expected:
            where = "overlaps the previous tensor" if begin < expected else f"leaves a gap at byte {expected:,}"
            raise fail(f"tensor {name!r} starts at byte {begin:,} and {where}")
        size = np.dtype(DTYPES[kind]).itemsize
        for dim in shape:
            size *= dim
        if end - begin != size:
            raise fail(f"tensor {name!r} of shape {shape} and dtype {kind} needs {size:,} bytes; "
                       f"its offsets hold {end - begin:,}")
        expected = end
    if expected != len(body):
        raise fail(f"the tensors end at byte {expected:,} of the data but the file holds {len(body):,} "
                   f"({'truncated' if expected > len(body) else 'trailing bytes'})")
    tensors = {}
    for name, (kind, shape, begin, end) in entries:
        array = np.frombuffer(body[begin:end], dtype=DTYPES[kind]).reshape(shape)
        tensors[name] = array.astype(array.dtype.newbyteorder("="), copy=True)
    return (tensors, dict(metadata)) if return_metadata else tensors


def _failer():
    def fail(problem):
        return ModelFileError(problem, "safetensors data")
    return fail


def _entry(name, info, fail):
    if not name:
        raise fail("a tensor has an empty name")
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise fail(f"tensor {name!r} must be an object with exactly dtype, shape and data_offsets")
    kind = info["dtype"]
    if kind not in DTYPES:
        known = ", ".join(DTYPES)
        raise fail(f"tensor {name!r} has dtype {kind!r}; nnpy reads {known}")
    shape = info["shape"]
    if (not isinstance(shape, list) or len(shape) > MAX_DIMS
            or not all(type(d) is int and 0 <= d < 2**63 for d in shape)):
        raise fail(f"tensor {name!r} has shape {str(shape)[:60]}; expected a list of at most "
                   f"{MAX_DIMS} non-negative integers")
    offsets = info["data_offsets"]
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(type(o) is int and 0 <= o < 2**63 for o in offsets) or offsets[0] > offsets[1]):
        raise fail(f"tensor {name!r} has data_offsets {str(offsets)[:60]}; expected [begin, end], "
                   "0 <= begin <= end")
    return kind, tuple(shape), offsets[0], offsets[1]
