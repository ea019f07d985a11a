"""A look inside one training step: every number nnpy computes, layer by layer.

:func:`look_inside` runs ONE real step of a :class:`~nnpy.trainer.Trainer`
on a batch, on a copy of its model and optimizer (the trainer itself is not
touched), and returns what each stage computed:

- **forward**: per layer the input ``x`` (the previous layer's ``a``), ``W``,
  ``b``, ``z = x @ W + b`` and ``a = act(z)``;
- **loss**: the batch loss (its mean over the batch) and the weight penalty;
- **backward**: per layer ``dL/da`` (what the next layer sent back),
  ``delta = dL/dz``, ``act'(z)`` and ``dW = x.T @ delta``, ``db = sum(delta)``;
- **update**: the gradient the optimizer used (``dW`` plus the penalty's
  gradient), the optimizer state before and after (SGD with momentum: the
  velocity; Adam: both moments and the step count), and the new ``W``, ``b``.

Nothing here computes the maths a second time. The numbers are read from the
layers' caches (``DenseLayer.last_delta``, ``last_preactivation``), their
``grads`` and the optimizer's ``state`` after nnpy's own ``forward``,
``backward``, loss and ``Optimizer.step`` ran: the new weights are those of
``Trainer.train_step`` on a copy, so applying the step for real
(``trainer.train_step(x, y)``) gives them bit for bit.

:func:`source_lines` returns the lines of nnpy's source that computed each
stage, read with :mod:`inspect` from the installed package (in the browser,
the wheel), so what the page shows beside the numbers is the real code.
"""

import copy
import math

import numpy as np

from ..model import SequentialModel
from ..optim import SGD, Adam
from ..trainer import Trainer, TrainingDiverged


def clone_model(model):
    """A new :class:`SequentialModel` with the same architecture and the same weights (copies)."""
    clone = SequentialModel.from_config(model.get_config(), initialize=False)  # no weights drawn: copied next
    clone.flat_parameters[0][...] = model.flat_parameters[0]
    return clone


def _offsets(model):
    """``{"0.W": (start, shape), ...}``: where each parameter sits in the model's flat vector."""
    out, start = {}, 0
    for name, param, _ in model.parameters():
        out[name] = (start, param.shape)
        start += param.size
    return out


def _flat_state(optimizer, model):
    """The optimizer's state as flat vectors, whichever path kept it: the fast path keeps it
    for the flat vector (``"params"``), the readable path per parameter (``"0.W"``, ...)."""
    names = [(name, param) for name, param, _ in model.parameters()]
    if "params" in optimizer.state or not any(name in optimizer.state for name, _ in names):
        return optimizer.state.get("params")
    if isinstance(optimizer, Adam):
        parts = [optimizer.state.get(name, (np.zeros_like(p), np.zeros_like(p))) for name, p in names]
        return (np.concatenate([np.ravel(m) for m, _ in parts]),
                np.concatenate([np.ravel(v) for _, v in parts]))
    return np.concatenate([np.ravel(optimizer.state.get(name, np.zeros_like(p))) for name, p in names])


def _optimizer_state(optimizer, model):
    """The optimizer's state for the flat vector, as copies: ``{"velocity"}`` or ``{"m", "v"}``."""
    flat_size = model.count_params()
    state = _flat_state(optimizer, model)
    if isinstance(optimizer, Adam):
        if state is None:
            return {"m": np.zeros(flat_size), "v": np.zeros(flat_size)}
        return {"m": state[0].copy(), "v": state[1].copy()}
    if isinstance(optimizer, SGD) and optimizer.momentum > 0:
        return {"velocity": None if state is None else state.copy()}
    return {}


def _slice(flat, start, shape):
    return None if flat is None else flat[start:start + math.prod(shape)].reshape(shape)


def optimizer_info(optimizer):
    """The optimizer's settings and the formula of its update, as plain data."""
    info = {"name": optimizer.name, "lr": optimizer.lr}
    if isinstance(optimizer, Adam):
        info.update(beta1=optimizer.beta1, beta2=optimizer.beta2, eps=optimizer.eps,
                    formula="m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;  "
                            "w = w - lr * m_hat / (sqrt(v_hat) + eps)")
    elif isinstance(optimizer, SGD) and optimizer.momentum > 0:
        info.update(momentum=optimizer.momentum, nesterov=optimizer.nesterov,
                    formula="v = mu*v + g;  w = w - lr*v")
    else:
        info.update(formula="w = w - lr*g")
    return info


def look_inside(trainer, x, y):
    """One real training step of ``trainer`` on the batch ``(x, y)``, with every intermediate.

    Args:
        trainer: a :class:`~nnpy.trainer.Trainer` (its model, loss, optimizer
            and weight penalty are used; none of them is changed).
        x: inputs, ``(n, input_size)`` (one sample may be 1-D).
        y: targets as :meth:`Trainer.prepare` takes them (labels or values).

    Returns:
        a dict of plain data and float arrays (``n`` samples, layer ``l`` of
        ``i`` inputs and ``o`` outputs)::

            {"n": n, "loss": float (mean over the batch), "penalty": float,
             "logits": bool (the loss took the logits: the output layer's delta came from it directly),
             "loss_name": str, "targets": (n, outputs),
             "optimizer": {"name", "lr", ..., "formula", "t": the step number used,
                           Adam: "scale", "correction" (its bias-correction factors)},
             "diverged": str | None (the step was refused: new weights = old),
             "layers": [{"activation": str,
                         "x": (n, i), "W": (i, o), "b": (o,), "z": (n, o), "a": (n, o),
                         "grad_a": (n, o) | None, "act_deriv": (n, o) | None,
                         "delta": (n, o), "dW": (i, o), "db": (o,),
                         "grad_W": (i, o), "grad_b": (o,),   # what the optimizer used
                         "state_before": {...}, "state_after": {...},  # per parameter: "W", "b"
                         "new_W": (i, o), "new_b": (o,)}]}

        ``act_deriv`` is ``None`` for softmax (no elementwise derivative)
        and for an output layer on logits. The state dicts hold, per parameter
        (``{"W": ..., "b": ...}``), ``velocity`` (momentum) or ``m``, ``v``
        (Adam), and are empty for plain SGD.

    Raises:
        ValueError: ``x`` or ``y`` do not fit the model.
    """
    X, Y = trainer.prepare(x, y)
    model = clone_model(trainer.model)
    step = Trainer(model, trainer.loss, lr=trainer.lr, optimizer=copy.deepcopy(trainer.optimizer),
                   regularization=trainer.regularizer.kind, reg_rate=trainer.regularizer.rate,
                   fast=trainer.fast)
    logits = step.logits
    layers = []
    with np.errstate(all="ignore"):  # a diverging network is reported, not warned about
        # forward, loss, backward: nnpy's own, exactly as train_step runs them
        loss, grad = step._loss_and_grad(X, Y, True, logits)
        model.backward(grad, logits=logits)
        for i, layer in enumerate(model.layers):
            z = layer.last_preactivation.copy()
            on_logits = logits and i == len(model.layers) - 1
            a = layer.activation.forward(z) if on_logits else layer._a.copy()
            grad_a, delta = layer.last_delta
            act_deriv = None
            if not on_logits and layer.activation.name != "softmax":
                act_deriv = layer.activation.derivative(z)
            layers.append({
                "activation": layer.activation.name, "x": layer._x.copy(),
                "W": layer.params["W"].copy(), "b": layer.params["b"].copy(), "z": z, "a": a,
                "grad_a": None if grad_a is None else grad_a.copy(), "act_deriv": act_deriv,
                "delta": delta.copy(),
                "dW": layer.grads["W"].copy(), "db": layer.grads["b"].copy(),
            })
        penalty = step.regularizer.penalty([layer.params["W"] for layer in model.layers])
        # the update: Trainer.train_step itself (it runs forward and backward again, then the optimizer)
        flat_params, flat_grads = model.flat_parameters
        before = _optimizer_state(step.optimizer, model)
        diverged = None
        try:
            step.train_step(X, Y)
        except TrainingDiverged as exc:
            diverged = str(exc)
        after = _optimizer_state(step.optimizer, model) if diverged is None else before
    offsets = _offsets(model)
    for i, (layer, out) in enumerate(zip(model.layers, layers)):
        for key in ("W", "b"):
            start, shape = offsets[f"{i}.{key}"]
            out["grad_" + key] = _slice(flat_grads, start, shape).copy()
            out["new_" + key] = layer.params[key].copy()
        out["state_before"] = {name: {key: _slice(value, *offsets[f"{i}.{key}"]) for key in ("W", "b")}
                               for name, value in before.items()}
        out["state_after"] = {name: {key: _slice(value, *offsets[f"{i}.{key}"]) for key in ("W", "b")}
                              for name, value in after.items()}
    info = optimizer_info(step.optimizer)
    info["t"] = step.optimizer.iterations
    if isinstance(step.optimizer, Adam) and diverged is None:  # the factors this step used
        info["scale"] = step.optimizer._scale            # lr * sqrt(1 - b2**t) / (1 - b1**t)
        info["correction"] = step.optimizer._correction  # sqrt(1 - b2**t)
    return {
        "n": int(X.shape[0]), "loss": float(loss), "penalty": float(penalty), "logits": bool(logits),
        "loss_name": trainer.loss.name, "targets": Y.copy(),
        "optimizer": info, "diverged": diverged, "layers": layers,
    }


def next_batch(trainer):
    """The mini-batch ``(X, Y)`` the trainer's next step will take (prepared), without taking it.

    Where an epoch is about to start, its shuffle is drawn from a copy of the
    trainer's generator, so the trainer's own order is not disturbed.
    Raises ``ValueError`` when the trainer has no data.
    """
    if trainer._data is None:
        raise ValueError("No training data: call set_data first.")
    _, _, X, Y = trainer._data
    if trainer._order is None:
        perm = copy.deepcopy(trainer.rng).permutation(X.shape[0])
        X, Y = X[perm], Y[perm]
    else:
        X, Y = trainer._order
    start = trainer._cursor
    end = min(start + trainer.batch_size, X.shape[0])
    return X[start:end], Y[start:end]


# ------------------------------------------------------------------ the code that computed it

def _lines(obj):
    """``{"file": "nnpy/layers.py", "start": first line number, "code": text}`` of ``obj``'s source."""
    import inspect  # only for the matrix view: the step itself never needs it
    lines, start = inspect.getsourcelines(obj)
    path = inspect.getsourcefile(obj) or "?"
    parts = path.replace("\\", "/").split("/")
    name = "/".join(parts[parts.index("nnpy"):]) if "nnpy" in parts else parts[-1]
    return {"file": name, "start": int(start), "code": "".join(lines)}


# The files whose functions source_lines shows, and the stage a call from outside them starts.
_SOURCE_FILES = ("layers.py", "activations.py", "losses.py", "optim.py", "backend.py")


def _entry_stage(code):
    """The stage of a call into :data:`_SOURCE_FILES` made from outside them (the trainer's)."""
    file = code.co_filename.replace("\\", "/").rsplit("/", 1)[-1]
    if file == "losses.py":
        return "loss"
    if file == "optim.py":
        return "update"
    return "backward" if "backward" in code.co_name else "forward"


def _is_accessor(frame):
    """Whether ``frame`` runs a property's getter or setter (it reads or sets an attribute: not shown)."""
    owner = frame.f_locals.get("self")
    if owner is None:
        return False
    import inspect
    attr = inspect.getattr_static(type(owner), frame.f_code.co_name, None)
    return isinstance(attr, property) and any(
        f is not None and f.__code__ is frame.f_code for f in (attr.fget, attr.fset, attr.fdel))


def source_lines(trainer):
    """The source of exactly the functions one training step of ``trainer`` runs, stage by stage.

    ``{"forward": [...], "loss": [...], "backward": [...], "update": [...]}``,
    each a list of :func:`_lines` dicts (file, first line, code), in the order
    the step first calls them, read from the installed nnpy package itself.

    The list is not written by hand: the step is run for real (on a copy, as
    :func:`look_inside` runs it, on the batch the trainer takes next) and
    every function of nnpy's ``layers.py``, ``activations.py``, ``losses.py``,
    ``optim.py`` and ``backend.py`` it calls is listed, so the code shown is
    the code that ran. For example an output activation fused into the loss
    (``trainer.logits``: sigmoid or softmax with cross-entropy) runs neither
    its forward nor its backward; the engines' fast path (``Trainer(fast=True)``)
    runs the optimizer's ``_update_inplace``, the default path its ``_update``;
    with DenseLayer's in-place path on (``nnpy.backend``: both pages' workers
    turn it on) ``backend.py``'s ``dense_forward`` and ``dense_backward`` show.
    Stages: a call from the trainer into ``losses.py`` is the loss, into
    ``optim.py`` the update (with the weight penalty's gradient), into a
    layer's ``forward`` or ``backward`` that pass; the functions those call
    belong to the same stage. Property accessors (``optimizer.lr``) are left
    out: they only read an attribute.

    Raises ``ValueError`` when the trainer has no data (:func:`next_batch`).
    """
    import sys
    X, Y = next_batch(trainer)
    model = clone_model(trainer.model)
    step = Trainer(model, trainer.loss, lr=trainer.lr, optimizer=copy.deepcopy(trainer.optimizer),
                   regularization=trainer.regularizer.kind, reg_rate=trainer.regularizer.rate,
                   fast=trainer.fast)
    found = {"forward": [], "loss": [], "backward": [], "update": []}
    stages = {}   # frame -> stage, for the calls in progress

    def ours(code):
        name = code.co_filename.replace("\\", "/")
        return "/nnpy/" in name and name.rsplit("/", 1)[-1] in _SOURCE_FILES

    def profile(frame, event, arg):
        if event == "return":
            stages.pop(frame, None)
            return
        if event != "call" or not ours(frame.f_code):
            return
        stage = stages.get(frame.f_back) or _entry_stage(frame.f_code)
        stages[frame] = stage
        code = frame.f_code
        if not code.co_name.startswith("<") and code not in found[stage] and not _is_accessor(frame):
            found[stage].append(code)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        with np.errstate(all="ignore"):
            step.train_step(X, Y)
    except TrainingDiverged:
        pass   # the functions that ran before the step was refused are still the ones to show
    finally:
        sys.setprofile(previous)
    return {stage: [_lines(code) for code in codes] for stage, codes in found.items()}
