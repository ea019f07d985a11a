"""A corpus of hostile and broken model files, generated from a real saved model.

    from hostile_files import generate
    for path, kind, expect in generate(tmp_path / "corpus"):
        with pytest.raises(ModelFileError, match=expect): load_model(path)

``generate(directory)`` writes about 250 files (and one directory) and
returns them as :class:`HostileFile` ``(path, kind, expect)``: ``kind`` groups
them (``"truncated"``, ``"corrupt"``, ``"zip_bomb"``, ``"pickle"``,
``"shape"``, ``"dtype"``, ``"nan"``, ``"npy_header"``, ``"huge_size"``,
``"json"``, ``"json_type"``, ``"unknown"``, ``"entries"``, ``"zip"``,
``"foreign"``, ``"claims_more"``: headers that claim far more than the file holds), and ``expect`` is a regular expression (search,
case-insensitive) that ``ModelFileError``'s message must match: it names the
problem. Every file must be refused; none may write :func:`marker_path`
(some pickles here would, if anything ever unpickled them).

The zips are built byte by byte by :func:`build_zip`, independently of
``nnpy.saved_models``, so a file can lie in any field; files meant to test a
check further in are signed with a valid nnpy checksum, as an attacker who
read the format would do. ``build_zip(base_members())`` is the well-formed
control: it must load.
"""

import hashlib
import io
import json
import os
import pathlib
import pickle
import struct
import zlib
from collections import namedtuple

import numpy as np

from nnpy.datasets import make_dataset
from nnpy.model import SequentialModel
from nnpy.saved_models import save_model_bytes
from nnpy.trainer import Trainer

HostileFile = namedtuple("HostileFile", "path kind expect")

MARKER_NAME = "UNPICKLED-MARKER.txt"
MiB = 1 << 20


def marker_path(directory):
    """The file the armed pickles of the corpus in ``directory`` would write when unpickled."""
    return pathlib.Path(directory) / MARKER_NAME


# ------------------------------------------------------------ the real model

def base_model(seed=0):
    """A real model: 2-8-8-3 (ReLU, softmax) trained briefly on 3-class spirals."""
    X, y = make_dataset("spirals", 300, noise=0.1, seed=seed, num_classes=3)
    model = SequentialModel.from_structure([2, 8, 8, 3], seed=seed)
    Trainer(model, "softmax_cross_entropy", lr=0.05, optimizer="adam", seed=seed).train(
        X, y, epochs=5, batch_size=32)
    return model


BASE_METADATA = {"features": ["x1", "x2"], "dataset": {"name": "spirals", "num_classes": 3}}


def base_bytes(seed=0):
    return save_model_bytes(base_model(seed), BASE_METADATA)


def read_members(data):
    """``[Member]`` of an nnpy file's bytes (read with Python's zipfile, not nnpy)."""
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [Member(info.filename, archive.read(info)) for info in archive.infolist()]


def base_members(seed=0):
    return read_members(base_bytes(seed))


# ------------------------------------------------------------ a zip writer that can lie

class Member:
    """One zip entry. Any field the writer derives can be overridden to lie."""

    def __init__(self, name, data=b"", *, method=0, raw=None, usize=None, csize=None, crc=None,
                 flags=0, local_name=None, offset=None, central_comment=b""):
        self.name, self.data, self.method, self.raw = name, data, method, raw
        self.usize, self.csize, self.crc, self.flags = usize, csize, crc, flags
        self.local_name, self.offset = local_name, offset
        self.central_comment = central_comment

    def copy(self, **changes):
        m = Member(self.name, self.data)
        m.__dict__.update(self.__dict__)
        m.__dict__.update(changes)
        return m


def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def deflate_with_zeros(prefix, mib):
    """A raw deflate stream of ``prefix`` followed by ``mib`` MiB of zeros, built in
    milliseconds: one compressed 1 MiB segment, repeated (its back-references only
    reach zeros). Returns ``(stream, crc32 of the whole output)``."""
    zeros = bytes(MiB)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix + zeros) + c.flush(zlib.Z_SYNC_FLUSH)
    segment = c.compress(zeros) + c.flush(zlib.Z_SYNC_FLUSH)
    stream = head + segment * (mib - 1) + c.flush()
    crc = zlib.crc32(prefix)
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    return stream, crc


def build_zip(members, *, comment="checksum", prepend=b"", append=b"", eocd=None):
    """The bytes of a zip archive of ``members``.

    Args:
        comment: ``"checksum"`` (a valid nnpy checksum), or the raw comment bytes.
        prepend, append: bytes before the first entry / after the comment.
        eocd: overrides of the end record: a dict with any of ``disk``, ``cd_disk``,
            ``n_disk``, ``n_total``, ``cd_size``, ``cd_offset``, ``comment_len``.
    """
    out = bytearray(prepend)
    central = []
    for m in members:
        if m.raw is not None:
            compressed = m.raw
        elif m.method == 8:
            compressed = deflate(m.data)
        else:
            compressed = m.data
        crc = zlib.crc32(m.data) if m.crc is None else m.crc
        usize = len(m.data) if m.usize is None else m.usize
        csize = len(compressed) if m.csize is None else m.csize
        name = m.name.encode("utf-8") if isinstance(m.name, str) else m.name
        local = name if m.local_name is None else m.local_name.encode("utf-8")
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, m.flags, m.method, 0, 0x21,
                           crc, csize, usize, len(local), 0) + local + compressed
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 0x0314, 20, m.flags, m.method,
                                   0, 0x21, crc, csize, usize, len(name), 0,
                                   len(m.central_comment), 0, 0, 0o644 << 16,
                                   offset if m.offset is None else m.offset)
                       + name + m.central_comment)
    cd_offset = len(out)
    directory = b"".join(central)
    out += directory
    if comment == "checksum":
        comment = b"nnpy-sha256:" + hashlib.sha256(bytes(out)).hexdigest().encode("ascii")
    fields = {"disk": 0, "cd_disk": 0, "n_disk": len(members), "n_total": len(members),
              "cd_size": len(directory), "cd_offset": cd_offset, "comment_len": len(comment)}
    fields.update(eocd or {})
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", fields["disk"], fields["cd_disk"],
                       fields["n_disk"], fields["n_total"], fields["cd_size"],
                       fields["cd_offset"], fields["comment_len"])
    return bytes(out + comment + append)


# ------------------------------------------------------------ .npy and JSON pieces

def npy(array, allow_pickle=False):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=allow_pickle)
    return buf.getvalue()


def npy_raw(header, data=b"", version=1, header_len=None):
    """A .npy with ``header`` (text, used verbatim) and ``data``; lengths can lie."""
    text = header.encode("latin-1")
    prefix = 10 if version == 1 else 12
    pad = (-(prefix + len(text) + 1)) % 64
    text = text + b" " * pad + b"\n"
    n = len(text) if header_len is None else header_len
    size = struct.pack("<H", n) if version == 1 else struct.pack("<I", n)
    return b"\x93NUMPY" + bytes([version, 0]) + size + text + data


class _WriteMarker:
    """Unpickling this calls ``pathlib.Path(path).write_text(...)``: an armed pickle."""

    def __init__(self, path):
        self.path = pathlib.Path(path)

    def __reduce__(self):
        return (pathlib.Path.write_text, (self.path, "unpickled: nnpy ran code from a file\n"))


def armed_pickle(marker, protocol=4):
    """A pickle that, if anything ever unpickled it, would write the file ``marker``."""
    return pickle.dumps({"weights": _WriteMarker(marker)}, protocol=protocol)


# ------------------------------------------------------------ the corpus

def generate(directory, *, seed=0, model_bytes=None):
    """Write the hostile corpus into ``directory`` (created); return ``[HostileFile]``.

    Args:
        seed: fixes the trained base model, the truncation offsets and the byte flips.
        model_bytes: the nnpy file to start from (default: :func:`base_bytes`).
    """
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    good = model_bytes if model_bytes is not None else base_bytes(seed)
    members = read_members(good)
    header = json.loads(members[0].data)
    assert members[0].name == "nnpy.json", "the nnpy.json entry comes first"
    weights = {m.name[:-4]: np.load(io.BytesIO(m.data), allow_pickle=False) for m in members[1:]}
    dtype = np.dtype(header["model"]["dtype"])
    first, bias, last = "0.W", "0.b", sorted(weights)[-2]   # sorted: "...W" < "...b"
    marker = marker_path(directory)
    out = []
    counter = [0]

    def add(kind, expect, data, name=None):
        counter[0] += 1
        path = directory / (name or f"{counter[0]:03d}-{kind}.nnpy")
        if isinstance(data, str):
            data = data.encode("utf-8")
        path.write_bytes(data)
        out.append(HostileFile(path, kind, expect))

    def with_entry(name, data, **fields):
        """The good members with entry ``name`` replaced (or added), signed."""
        new = [m.copy(data=data, **fields) if m.name == name else m for m in members]
        if name not in [m.name for m in members]:
            new.append(Member(name, data, **fields))
        return build_zip(new)

    def with_weight(name, array):
        return with_entry(name + ".npy", npy(array))

    def with_header(changes=None, drop=(), raw=None, model=None):
        h = json.loads(json.dumps(header))
        for key in drop:
            h.pop(key, None)
        h.update(changes or {})
        if model is not None:
            h["model"] = model
        return with_entry("nnpy.json", raw if raw is not None else json.dumps(h).encode())

    def model_config(**layer0):
        cfg = json.loads(json.dumps(header["model"]))
        cfg["layers"][0].update(layer0)
        return cfg

    # -- truncation at many offsets, and the empty file
    n = len(good)
    cuts = {1, 2, 3, 4, 10, 29, 30, 31, 100, n // 2, n - 200, n - 100, n - 98, n - 77, n - 76,
            n - 75, n - 22, n - 1}
    cuts |= set(rng.integers(1, n, 60 - len(cuts)).tolist())
    while len(cuts) < 60:
        cuts.add(int(rng.integers(1, n)))
    for cut in sorted(cuts):
        add("truncated", r"truncated", good[:cut])
    add("truncated", r"empty", b"")

    # -- random byte flips: 50 single-byte and 10 of 2-4 bytes, seeded
    for i in range(60):
        data = bytearray(good)
        k = 1 if i < 50 else int(rng.integers(2, 5))
        for pos in rng.choice(n, size=k, replace=False):
            data[pos] ^= int(rng.integers(1, 256))
        add("corrupt", r"damaged|truncated", bytes(data))

    # -- zip bombs
    json_bytes = members[0].data
    stream, crc = deflate_with_zeros(b"", 1024)          # honest: 1 GiB of zeros in ~1 MB
    add("zip_bomb", r"declares 1\.0 GB.*limit",
        with_entry("nnpy.json", b"", method=8, raw=stream, usize=1024 * MiB, crc=crc))
    add("zip_bomb", r"declares 1\.0 GB.*limit",
        with_entry(first + ".npy", b"", method=8, raw=stream, usize=1024 * MiB, crc=crc))
    w_npy = npy(weights[first])
    stream, crc = deflate_with_zeros(w_npy, 300)          # honest, under the cap, but padded
    add("zip_bomb", r"padded",
        with_entry(first + ".npy", b"", method=8, raw=stream, usize=len(w_npy) + 300 * MiB,
                   crc=crc))
    stream, _ = deflate_with_zeros(json_bytes, 1024)       # the directory lies: 1 GiB more
    add("zip_bomb", r"zip bomb",
        with_entry("nnpy.json", json_bytes, method=8, raw=stream))
    stream, _ = deflate_with_zeros(w_npy, 1024)
    add("zip_bomb", r"zip bomb", with_entry(first + ".npy", w_npy, method=8, raw=stream))
    add("zip_bomb", r"more than deflate can produce",       # 400 MB claimed from 1 KB
        with_entry(first + ".npy", w_npy, method=8, raw=bytes(1000), usize=400 * MiB))
    add("zip_bomb", r"no nnpy checksum",          # unsigned, lying: refused before inflating
        build_zip([Member("nnpy.json", json_bytes, method=8,
                          raw=deflate_with_zeros(json_bytes, 64)[0])], comment=b""))

    # -- pickles and Python objects
    seed_style = {"weights": [w for k, w in sorted(weights.items()) if k.endswith("W")],
                  "biases": [b for k, b in sorted(weights.items()) if k.endswith("b")]}
    for protocol in range(0, pickle.HIGHEST_PROTOCOL + 1):
        add("pickle", r"pickle", pickle.dumps(seed_style, protocol=protocol),
            name=f"{counter[0] + 1:03d}-pickle-protocol{protocol}.pkl")
    armed = {"weights": _WriteMarker(marker)}
    add("pickle", r"pickle", armed_pickle(marker), name="model.pkl")
    add("pickle", r"pickle", armed_pickle(marker, protocol=2))
    add("pickle", r"pickle", pickle.dumps([_WriteMarker(marker)], protocol=0))
    obj = np.empty(1, dtype=object)
    obj[0] = _WriteMarker(marker)
    add("pickle", r"pickle", with_entry(first + ".npy", npy(obj, allow_pickle=True)))
    add("pickle", r"pickle", with_entry(first + ".npy", pickle.dumps(_WriteMarker(marker), 4)))
    add("pickle", r"pickle", build_zip([Member("archive/data.pkl", pickle.dumps(armed, 2)),
                                        Member("archive/version", b"3\n")], comment=b""))
    add("pickle", r"pickle", build_zip(members + [Member("extra.pkl", pickle.dumps(armed, 2))]))
    add("pickle", r"not an nnpy model file.*npz",            # NumPy .npz with an object array
        build_zip([Member("weights.npy", npy(obj, allow_pickle=True))], comment=b""))

    # -- wrong shapes (signed, well-formed files)
    w = weights[first]
    for array in (w.T, np.zeros((3, w.shape[1]), dtype), w.reshape(-1), w[..., None],
                  np.zeros((), dtype)):
        add("shape", r"shape", with_weight(first, array))
    for array in (weights[bias][:, None], np.zeros(weights[bias].size + 1, dtype)):
        add("shape", r"shape", with_weight(bias, array))
    add("shape", r"shape", with_weight(last, weights[last][:-1]))
    add("shape", r"shape", with_header(model=model_config(in_features=3)))

    # -- wrong dtypes
    for bad in (np.int64, np.int32, np.uint8, np.bool_, np.complex128, np.float16,
                np.float32 if dtype == np.float64 else np.float64, ">f8", "<U4", "S8", "V8",
                "datetime64[s]", [("a", "<f8")], [("a", "<f4"), ("b", "<f4")]):
        array = np.zeros(w.shape, dtype=bad)
        add("dtype", r"dtype", with_weight(first, array))
    add("dtype", r"big-endian", with_weight(bias, weights[bias].astype(">f8")))
    add("dtype", r"complex", with_weight(bias, weights[bias].astype(np.complex64)))

    # -- NaN and infinities
    for name, value in ((first, np.nan), (first, np.inf), (last, -np.inf), (bias, np.nan)):
        array = weights[name].copy()
        array.flat[int(rng.integers(array.size))] = value
        add("nan", r"NaN or infinite", with_weight(name, array))
    add("nan", r"NaN or infinite", with_weight(first, np.full(w.shape, np.nan, dtype)))

    # -- .npy headers: huge shapes, malformed, code
    descr = np.lib.format.dtype_to_descr(dtype)
    for shape in ((2**40, 8), (2**31, 2**31), (10**30,), (2**62, 2**62, 2**62)):
        add("npy_header", r"limit",
            with_entry(first + ".npy", npy_raw(f"{{'descr': '{descr}', 'fortran_order': False, "
                                               f"'shape': {shape}, }}", b"\0" * 64)))
    data = w.tobytes()
    for text, expect in (
            (f"{{'descr': '{descr}', 'fortran_order': False, 'shape': (-1, 8), }}", r"negative"),
            (f"{{'descr': '{descr}', 'fortran_order': False, 'shape': [2, 8], }}", r"tuple"),
            (f"{{'descr': '{descr}', 'fortran_order': False, 'shape': (2.0, 8), }}", r"tuple"),
            (f"{{'descr': '{descr}', 'fortran_order': 'no', 'shape': (2, 8), }}", r"fortran"),
            (f"{{'descr': '{descr}', 'shape': (2, 8), }}", r"malformed"),
            (f"{{'descr': '{descr}', 'fortran_order': False, 'shape': (2, 8), 'x': 1}}",
             r"malformed"),
            ("[1, 2, 3]", r"malformed"),
            (f"__import__('pathlib').Path({str(marker)!r}).write_text('code ran')", r"malformed"),
            ("{'descr': " + "(" * 500 + ")" * 500 + "}", r"malformed"),
            ("{" + "'a': 1, " * 10 + "'shape': " + "9" * 5000 + "}", r"malformed"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 8)", r"malformed"),
            # parser recursion (fatal in a browser's Python if it ever reached the parser)
            ("- " * 4000 + "1", r"malformed"),
            ("not " * 2000 + "True", r"malformed"),
            ("\u00e9." * 3000 + "x", r"malformed"),
            ("{'shape': " + "[" * 150 + "]" * 150 + "}", r"malformed")):
        add("npy_header", expect, with_entry(first + ".npy", npy_raw(text, data)))
    ok_header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {w.shape}, }}"
    add("npy_header", r"\.npy header is 58\.\d KB, more than the 10000-byte limit",
        with_entry(first + ".npy", npy_raw(ok_header + " " * 60000, data, version=2)))
    add("npy_header", r"truncated",
        with_entry(first + ".npy", npy_raw(ok_header, data, header_len=5000)))
    add("npy_header", r"version 9", with_entry(first + ".npy", npy_raw(ok_header, data)[:6]
                                                + b"\x09\x00" + npy_raw(ok_header, data)[8:]))
    add("npy_header", r"not a \.npy", with_entry(first + ".npy", b"just some bytes, not npy"))
    add("npy_header", r"too short", with_entry(first + ".npy", b"\x93NUMPY"))
    add("npy_header", r"padded", with_entry(first + ".npy", npy(w) + b"\0" * 8))
    add("npy_header", r"shorter|truncated", with_entry(first + ".npy", npy(w)[:-8]))

    # -- huge declared sizes
    add("huge_size", r"declares 3\.0 GB.*limit",
        with_entry(first + ".npy", npy(w), usize=3 * 1024 * MiB, csize=3 * 1024 * MiB))
    add("huge_size", r"declares 3\.0 GB.*limit",
        with_entry("nnpy.json", json_bytes, usize=3 * 1024 * MiB, csize=3 * 1024 * MiB))
    add("huge_size", r"declares 4\.0 GB.*limit",
        with_entry("nnpy.json", json_bytes, usize=0xFFFFFFFE, csize=0xFFFFFFFE))
    add("huge_size", r"declares .* in all, more than",
        build_zip([m.copy(usize=500 * MiB, csize=500 * MiB) if m.name.endswith(".npy") else m
                   for m in members]))
    add("huge_size", r"architecture of .* parameters.*limit",
        with_header(model=model_config(in_features=10**9)))
    add("huge_size", r"architecture of .* parameters.*limit",
        with_header(model=dict(header["model"], layers=[
            {"class": "Dense", "in_features": 2**31 - 1, "out_features": 2**31 - 1,
             "activation": {"name": "relu"}, "init": "he_normal"}])))
    add("huge_size", r"more than the 1024 limit",
        with_header(model=dict(header["model"], layers=header["model"]["layers"][:1] * 2000)))
    add("huge_size", r"zip entries, more than",
        build_zip(members, eocd={"n_disk": 60000, "n_total": 60000}))
    add("huge_size", r"ZIP64", build_zip(members, eocd={"cd_size": 0xFFFFFFFF}))

    # -- headers that claim far more than the file holds (issue 12): each is refused having
    # allocated what the file holds, not what it claims
    def layer(n_in, n_out, act="relu"):
        return {"class": "Dense", "in_features": n_in, "out_features": n_out,
                "activation": {"name": act}, "init": "he_normal"}

    big = dict(header["model"], layers=[layer(2, 8000), layer(8000, 8000), layer(8000, 3, "softmax")])
    # (each expect names what CPython's default limits find; a page's lower limit finds the size)
    page = r"|more than the [0-9.]+ MB limit"
    add("claims_more", r"weights 0\.W have shape \(2, 8\), but the architecture needs \(2, 8000\)" + page,
        with_header(model=big))                                 # ~490 MB of weights declared, 1 KB held
    sixty = dict(header["model"], layers=[layer(2, 1000)] + [layer(1000, 1000)] * 58
                 + [layer(1000, 3, "softmax")])
    add("claims_more", r"missing weights: .*59\.b" + page, with_header(model=sixty))   # 60 x 1,000 units
    wide = dict(header["model"], layers=[layer(1500, 25000, "linear")])           # 300 MB declared
    wide_header = json.dumps(dict(header, model=wide)).encode()
    wide_npy = npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (1500, 25000), }")
    wide_bias = Member("0.b.npy", npy(np.zeros(25000)))
    noise = rng.integers(0, 256, 300_000, dtype=np.uint8).tobytes()   # incompressible: 300 KB
    add("claims_more", r"truncated or padded" + page,                   # stored: the entry is 300 KB
        build_zip([Member("nnpy.json", wide_header), Member("0.W.npy", wide_npy + noise), wide_bias]))
    stream = deflate(wide_npy + noise)                          # deflated: it inflates to 300 KB
    add("claims_more", r"ends before its declared size" + page,
        build_zip([Member("nnpy.json", wide_header), wide_bias,
                   Member("0.W.npy", b"", method=8, raw=stream, crc=zlib.crc32(wide_npy + noise),
                          usize=len(wide_npy) + 1500 * 25000 * 8)]))
    add("claims_more", r"architecture of .* parameters.*limit",  # 1024 layers of 2**14 units
        with_header(model=dict(header["model"], layers=[layer(2**14, 2**14)] * 1024)))

    # -- malformed JSON
    good_json = json.dumps(header)
    for raw, expect in (
            (b"\xff\xfe{\x00}\x00", r"UTF-8"),
            (b"{", r"malformed JSON"),
            (b"", r"malformed JSON"),
            (good_json.encode() + b" trailing", r"malformed JSON"),
            (good_json[:-1].encode() + b', "metadata": {}}', r"duplicate key"),
            (good_json.replace('"metadata": {', '"metadata": {"x": NaN, ', 1).encode(), r"NaN"),
            (good_json.replace('"metadata": {', '"metadata": {"x": -Infinity, ', 1).encode(),
             r"Infinity"),
            (b"[" * 100000 + b"]" * 100000, r"nested too deeply \(100000 levels"),
            (b'{"metadata": ' + b'{"a": ' * 101 + b"1" + b"}" * 102, r"nested too deeply"),
            (b'{"format": ' + b"9" * 5000 + b"}", r"malformed JSON.*5000 digits"),
            (good_json.replace('"metadata": {', '"metadata": {"x": 1e400, ', 1).encode(),
             r"1e400 is out of range"),
            (repr(header).encode(), r"malformed JSON"),
            (b"[]", r"must hold a JSON object.*list"),
            (b'"nnpy-model"', r"must hold a JSON object.*string"),
            (b"null", r"must hold a JSON object.*null"),
            (b"42", r"must hold a JSON object.*integer")):
        add("json", expect, with_header(raw=raw))

    # -- wrong JSON types and values
    for changes, drop, expect in (
            ({"format": "nnpy-modle"}, (), r"not an nnpy model file.*format"),
            ({}, ("format",), r"not an nnpy model file.*format"),
            ({"format": ["nnpy-model"]}, (), r"not an nnpy model file.*format"),
            ({"format_version": "1"}, (), r"format_version must be an integer"),
            ({"format_version": 1.0}, (), r"format_version must be an integer"),
            ({"format_version": True}, (), r"format_version must be an integer"),
            ({}, ("format_version",), r"format_version must be an integer"),
            ({"format_version": 2}, (), r"newer.*upgrade nnpy"),
            ({"format_version": 0}, (), r"does not exist"),
            ({"nnpy_version": 3}, (), r"nnpy_version must be a string"),
            ({"model": [1, 2]}, (), r"'model' must be a JSON object"),
            ({}, ("model",), r"'model' must be a JSON object"),
            ({"metadata": ["x1"]}, (), r"'metadata' must be a JSON object"),
            ({"code": "import os; os.system('rm -rf /')"}, (), r"unknown fields: 'code'")):
        add("json_type", expect, with_header(changes, drop))
    layer = header["model"]["layers"][0]
    for model, expect in (
            (dict(header["model"], layers={"0": layer}), r"'layers' must be a non-empty list"),
            (dict(header["model"], layers=[]), r"'layers' must be a non-empty list"),
            (dict(header["model"], layers=["Dense"]), r"layer 0 must be a JSON object"),
            (dict(header["model"], dtype="float16"), r"unknown dtype 'float16'"),
            (dict(header["model"], dtype=["float64"]), r"unknown dtype"),
            (model_config(**{"class": ["Dense"]}), r"unknown layer class"),
            (model_config(in_features="2"), r"in_features must be an integer"),
            (model_config(in_features=2.5), r"in_features must be an integer"),
            (model_config(in_features=True), r"in_features must be an integer"),
            (model_config(out_features=0), r"out_features must be an integer"),
            (model_config(out_features=-3), r"out_features must be an integer"),
            (model_config(out_features=None), r"out_features must be an integer"),
            (model_config(out_features=9), r"expects .* inputs"),
            (model_config(activation=5), r"activation"),
            (model_config(activation={"name": 5}), r"activation"),
            (model_config(activation={"name": "relu", "alpha": 1}), r"activation"),
            (model_config(activation={"name": "leaky_relu", "alpha": "x"}), r"setting 'alpha'"),
            (model_config(activation={"name": "leaky_relu", "alpha": 1.5}), r"alpha"),
            (model_config(init="magic"), r"initialiser"),
            (model_config(init=["he"]), r"init"),
            (model_config(bias=True), r"Unknown Dense layer settings: bias")):
        add("json_type", expect, with_header(model=model))

    # -- unknown layer, activation, model class
    add("unknown", r"unknown activation 'swish'", with_header(model=model_config(
        activation={"name": "swish"})))
    add("unknown", r"unknown activation 'custom'", with_header(model=model_config(
        activation="custom")))
    add("unknown", r"unknown layer class 'Conv2D'", with_header(model=model_config(
        **{"class": "Conv2D"})))
    add("unknown", r"unknown model class 'Functional'", with_header(model=dict(
        header["model"], **{"class": "Functional"})))

    # -- entries: missing, extra, duplicate, unsafe names
    add("entries", r"missing weights: 0\.b",
        build_zip([m for m in members if m.name != bias + ".npy"]))
    add("entries", r"missing weights: .*0\.W.*0\.b",
        build_zip([m for m in members if not m.name.startswith("0.")]))
    add("entries", r"unexpected weights: 9\.W", with_entry("9.W.npy", npy(w)))
    add("entries", r"unexpected zip entry 'notes\.txt'", with_entry("notes.txt", b"hello"))
    add("entries", r"unexpected zip entry", with_entry(".hidden.npy", npy(w)))
    add("entries", r"duplicate zip entry '0\.W\.npy'",
        build_zip(members + [Member(first + ".npy", npy(w))]))
    add("entries", r"duplicate zip entry 'nnpy\.json'",
        build_zip(members + [members[0]]))
    for name in ("../0.W.npy", "/etc/passwd", "a/b.npy", "..\\evil.npy", "C:evil.npy",
                 "weights/../../x.npy"):
        add("entries", r"unsafe zip entry name.*path traversal", with_entry(name, npy(w)))
    add("entries", r"no nnpy\.json", build_zip(members[1:]))
    add("entries", r"not ASCII", with_entry("0.W\u00e9.npy", npy(w)))

    # -- zip structure
    add("zip", r"encrypted", with_entry(first + ".npy", npy(w), flags=1))
    for method in (12, 14, 99):
        add("zip", rf"compression method {method}", with_entry(first + ".npy", npy(w),
                                                               method=method, raw=npy(w)))
    add("zip", r"no nnpy checksum", build_zip(members, comment=b""))
    add("zip", r"no nnpy checksum", build_zip(members, comment=b"made by a zip tool"))
    add("zip", r"does not match its nnpy checksum",
        build_zip(members, comment=b"nnpy-sha256:" + b"0" * 64))
    add("zip", r"checksum is malformed", build_zip(members, comment=b"nnpy-sha256:xyz"))
    add("zip", r"damaged", build_zip(members, append=b"appended bytes"))
    add("zip", r"damaged.*belong to no entry",
        build_zip(members, prepend=b"MZ a self-extractor stub"))
    add("zip", r"14 bytes before .* belong to no entry",     # a payload hidden between entries
        with_entry(first + ".npy", npy(w), raw=npy(w) + b"hidden payload", csize=len(npy(w))))
    add("zip", r"CRC-32", with_entry(first + ".npy", npy(w), crc=12345))
    add("zip", r"multi-part", build_zip(members, eocd={"disk": 1}))
    add("zip", r"empty zip archive", build_zip([]))
    add("zip", r"different compressed and uncompressed", with_entry(first + ".npy", npy(w),
                                                                   csize=len(npy(w)) - 1))
    add("zip", r"local header.*does not match", with_entry(first + ".npy", npy(w),
                                                           local_name="../../../evil.npy"))
    add("zip", r"overlaps", with_entry(first + ".npy", npy(w), offset=0))
    add("zip", r"directory is not where", build_zip(members, eocd={"cd_offset": 7}))
    add("zip", r"directory record is broken",
        build_zip(members, eocd={"n_disk": len(members) + 1, "n_total": len(members) + 1}))
    add("zip", r"damaged", build_zip(members, eocd={"cd_size": 10}))
    add("zip", r"zip directory is .* more than \d+ entries need",   # 60 KB comments in it
        build_zip([m.copy(central_comment=b"c" * 60000) for m in members]))
    add("zip", r"compressed data is invalid",
        with_entry(first + ".npy", npy(w), method=8, raw=b"\xff" * 40, csize=40))
    add("zip", r"ends early|ends before",
        with_entry(first + ".npy", npy(w), method=8, raw=deflate(npy(w))[:-20]))
    add("zip", r"bytes follow", with_entry(first + ".npy", npy(w), method=8,
                                            raw=deflate(npy(w)) + b"extra"))

    # -- not a model file at all
    (directory / "a-directory.nnpy").mkdir(exist_ok=True)
    out.append(HostileFile(directory / "a-directory.nnpy", "foreign", r"is a directory"))
    add("foreign", r"text file", "This is not a model.\nJust words.\n", name="notes.txt")
    add("foreign", r"text file", "label,x1,x2\n0,0.5,1.0\n1,2.0,3.0\n", name="data.csv")
    add("foreign", r"text file", json_bytes, name="nnpy.json")
    add("foreign", r"\.npy array", npy(w), name="weights.npy")
    add("foreign", r"HDF5", b"\x89HDF\r\n\x1a\n" + bytes(200), name="model.h5")
    st_header = json.dumps({"w": {"dtype": "F64", "shape": list(w.shape),
                                  "data_offsets": [0, w.nbytes]}}).encode()
    add("foreign", r"safetensors", struct.pack("<Q", len(st_header)) + st_header + w.tobytes(),
        name="model.safetensors")
    add("foreign", r"not an nnpy model file", b"\x89PNG\r\n\x1a\n" + bytes(100), name="x.png")
    add("foreign", r"not an nnpy model file", b"\x1f\x8b\x08\x00" + bytes(50), name="m.gz")
    for i in range(3):
        add("foreign", r"not an nnpy model file|pickle",
            rng.integers(0, 256, 500 + 500 * i, dtype=np.uint8).tobytes())
    return out


def unpickle_in_subprocess(path):
    """Unpickle ``path`` in a fresh Python (to prove a corpus pickle is armed). Never in-process."""
    import subprocess
    import sys
    code = "import pickle, sys\ntry:\n    pickle.load(open(sys.argv[1], 'rb'))\nexcept Exception:\n    pass\n"
    subprocess.run([sys.executable, "-c", code, os.fspath(path)], check=True, timeout=60,
                   cwd=os.path.dirname(os.fspath(path)),
                   env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))


def zero_weights_file(layers, dtype="<f8"):
    """A valid, signed nnpy file of all-zero weights for ``layers`` ``[(in, out, activation)]``,
    each weight deflated without ever holding it in memory: a few hundred KB that load as
    hundreds of MB. A ``W`` of a whole number of MiB is deflated, a smaller one stored."""
    config = {"class": "SequentialModel", "dtype": {"<f8": "float64", "<f4": "float32"}[dtype],
              "layers": [{"class": "Dense", "in_features": i, "out_features": o,
                          "activation": {"name": a}, "init": "glorot_uniform"} for i, o, a in layers]}
    header = {"format": "nnpy-model", "format_version": 1, "nnpy_version": "0", "model": config,
              "metadata": {"features": ["x1", "x2"]}}
    members = [Member("nnpy.json", json.dumps(header).encode())]
    itemsize = np.dtype(dtype).itemsize
    for k, (i, o, _) in enumerate(layers):
        head = npy_raw(f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': ({i}, {o}), }}")
        mib, rest = divmod(i * o * itemsize, MiB)
        if rest:    # a small one, stored as it is
            members.append(Member(f"{k}.W.npy", npy(np.zeros((i, o), dtype=dtype))))
        else:
            stream, crc = deflate_with_zeros(head, mib)
            members.append(Member(f"{k}.W.npy", b"", method=8, raw=stream, crc=crc,
                                  usize=len(head) + mib * MiB))
        members.append(Member(f"{k}.b.npy", npy(np.zeros(o, dtype=dtype))))
    return build_zip(members)
