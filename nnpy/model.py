"""SequentialModel: layers run in order forward, in reverse backward.

The architecture (``get_config``) and the weights (``state_dict``) are kept
apart, as in Keras and PyTorch: a config rebuilds an untrained model, a state
dict fills it.

All the model's parameters live in one contiguous vector, and each layer's
``W`` and ``b`` is a view into it (likewise the gradients). An optimizer can
then update every parameter in a handful of NumPy calls, whatever the depth;
this matters in the browser, where each NumPy call has a fixed cost.
"""

import html

import numpy as np

from . import backend
from .layers import DenseLayer, LAYERS, _check_dtype
from .rng import as_generator
from .samples import as_samples


class SequentialModel:
    """A stack of layers, like PyTorch's ``nn.Sequential``.

    Args:
        layers: a list of layers; each one's ``in_features`` must equal the
            previous one's ``out_features``.
        seed: if given, re-initialise every layer's weights, in order, from
            one generator made from this seed, so the seed alone fixes them.
        dtype: ``float64`` (default) or ``float32``; layers are converted.

    Example (the seed's network):
        >>> model = SequentialModel([
        ...     DenseLayer(2, 6, relu, relu_deriv),
        ...     DenseLayer(6, 3, relu, relu_deriv),
        ...     DenseLayer(3, 1, sigmoid, sigmoid_deriv),
        ... ])
        >>> model.predict([[0, 1]]).shape
        (1, 1)
    """

    def __init__(self, layers, *, seed=None, dtype=None):
        layers = list(layers)
        if not layers:
            raise ValueError("A SequentialModel needs at least one layer.")
        for i, layer in enumerate(layers):
            if not isinstance(layer, DenseLayer):
                raise TypeError(f"Layer {i} is {layer!r}; nnpy models hold DenseLayer objects.")
        for i in range(1, len(layers)):
            if layers[i].in_features != layers[i - 1].out_features:
                raise ValueError(
                    f"Layer {i} expects {layers[i].in_features} inputs but layer {i - 1} "
                    f"gives {layers[i - 1].out_features} outputs."
                )
        self.layers = layers
        self.dtype = _check_dtype(dtype if dtype is not None else layers[0].dtype)
        self._pack_parameters()
        if seed is not None:
            self.reset_parameters(seed)

    # -- construction -------------------------------------------------------

    @classmethod
    def from_structure(cls, structure, *, hidden_activation="relu", output_activation="softmax",
                       init="auto", seed=None, dtype=np.float64):
        """Build a network from a list of layer sizes, the seed-2 way.

        ``[784, 128, 64, 10]`` gives 784 inputs, ReLU hidden layers of 128 and
        64 (He-initialised), and a 10-way softmax output.

        Args:
            structure: sizes ``[n_inputs, hidden..., n_outputs]``, at least two.
            hidden_activation: activation of every hidden layer.
            output_activation: activation of the output layer (``"softmax"``,
                ``"sigmoid"`` for one output, ``"linear"`` for regression).
            init: weight initialiser for all layers (``"auto"`` by activation).
            seed: int or ``Generator`` fixing the initial weights.
        """
        sizes = list(structure)
        if len(sizes) < 2:
            raise ValueError(f"A structure needs at least input and output sizes. Received: {sizes!r}")
        rng = as_generator(seed)
        layers = []
        for i in range(len(sizes) - 1):
            act = output_activation if i == len(sizes) - 2 else hidden_activation
            layers.append(DenseLayer(sizes[i], sizes[i + 1], act, init=init, seed=rng, dtype=dtype))
        return cls(layers)

    def reset_parameters(self, seed=None):
        """Re-initialise every layer, in order, from one generator made from ``seed``."""
        rng = as_generator(seed)
        for layer in self.layers:
            layer.reset_parameters(rng)

    def _pack_parameters(self):
        """Move every parameter and gradient into one flat vector each; layers keep views.

        Each layer's own array is dropped as soon as it is copied, so building a
        model holds about twice its weights at most, never four times.
        """
        keys = [(layer, key) for layer in self.layers for key in layer.params]
        total = sum(layer.params[key].size for layer, key in keys)
        for layer in self.layers:
            layer.grads = {}   # zeros until the first backward: the flat vector's views replace them
        self._flat_params = np.empty(total, dtype=self.dtype)
        offset = 0
        for layer, key in keys:
            p = layer.params[key]
            view = self._flat_params[offset:offset + p.size].reshape(p.shape)
            view[...] = p
            layer.params[key] = view
            layer.dtype = self.dtype
            offset += p.size
        del p
        self._flat_grads = np.zeros(total, dtype=self.dtype)
        offset = 0
        for layer, key in keys:
            size = layer.params[key].size
            layer.grads[key] = self._flat_grads[offset:offset + size].reshape(layer.params[key].shape)
            offset += size
        self._named_parameters = [(f"{i}.{key}", param, layer.grads[key])
                                  for i, layer in enumerate(self.layers)
                                  for key, param in layer.params.items()]

    # -- running ------------------------------------------------------------

    def _as_input(self, x):
        """``(x of shape (n, input_size), single)`` by :func:`nnpy.samples.as_samples`'s rule."""
        return as_samples(x, self.input_size, self.dtype, "x")

    def forward(self, x, logits=False):
        """Run ``x`` of shape ``(n, input_size)`` through every layer; caches for ``backward``.

        With ``logits=True`` the output layer's activation is skipped and its
        logits ``z`` returned: what a loss that takes logits works on (softmax
        or sigmoid with cross-entropy; the trainer does this, and
        ``backward(..., logits=True)`` follows).
        """
        layers = self.layers
        last = len(layers) - 1
        for i in range(last):
            x = layers[i].forward(x)
        return layers[last].forward(x, logits=logits)

    def backward(self, grad, logits=False):
        """Backpropagate ``dL/d(output)`` through the layers, in reverse.

        Args:
            grad: ``dL/da`` of the output layer, or ``dL/dz`` (its logits)
                when ``logits`` is true, as for softmax or sigmoid with
                cross-entropy.
        Returns:
            Nothing; every layer's ``grads`` is assigned.
        """
        last = len(self.layers) - 1
        for i in range(last, -1, -1):
            grad = self.layers[i].backward(
                grad, logits=logits and i == last, need_input_grad=i > 0)

    def predict(self, x, batch_size=None):
        """Outputs for ``x``: probabilities for a softmax/sigmoid output, values otherwise.

        ``x`` is a batch of shape ``(n, input_size)`` or one sample of shape
        ``(input_size,)``, which returns a 1-D output; for a model with one
        input, shape ``(n,)`` is ``n`` samples (see :mod:`nnpy.samples`).
        NaN or infinite inputs raise ``ValueError`` naming the cell.

        Each sample's output depends on that sample alone, bit for bit: the
        products run one row at a time (:func:`nnpy.backend.rows_alone`), so
        a sample predicted alone or among others gets the same numbers.
        """
        x, single = self._as_input(x)
        with backend.rows_alone():
            if batch_size is None or x.shape[0] <= batch_size:
                out = self.forward(x)
            else:
                out = np.concatenate([self.forward(x[i:i + batch_size])
                                      for i in range(0, x.shape[0], batch_size)])
        return out[0] if single else out

    def predict_classes(self, x):
        """Class indices: argmax for several outputs, ``output >= 0.5`` for one."""
        out = self.predict(x)
        if out.shape[-1] == 1:
            return (out[..., 0] >= 0.5).astype(np.int64)
        return np.argmax(out, axis=-1)

    __call__ = predict

    # -- parameters -----------------------------------------------------------

    def parameters(self):
        """``[("0.W", param, grad), ...]`` for every parameter, with dotted names.

        The same arrays for the model's life: each is a view of the flat vectors
        (:attr:`flat_parameters`), so the list is made once, when the model is built.
        """
        return self._named_parameters

    @property
    def flat_parameters(self):
        """``(params, grads)``: the two flat vectors every parameter and gradient is a view of."""
        return self._flat_params, self._flat_grads

    def count_params(self):
        return int(self._flat_params.size)

    def zero_grad(self):
        self._flat_grads[...] = 0.0

    def state_dict(self):
        """A flat dict of copies, ``{"0.W": array, "0.b": array, ...}``."""
        return {name: param.copy() for name, param, _ in self.parameters()}

    def load_state_dict(self, state, strict=True):
        """Copy weights from ``state`` into the model (in place).

        Raises ``ValueError`` naming the missing, unexpected and mis-shaped
        keys; with ``strict=False`` missing and unexpected keys are allowed,
        shapes must still match. Nothing is changed unless everything fits.
        """
        own = {name: param for name, param, _ in self.parameters()}
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        problems = []
        if strict and missing:
            problems.append(f"missing keys: {', '.join(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected keys: {', '.join(unexpected)}")
        arrays = {}
        for name in own.keys() & state.keys():
            value = np.asarray(state[name])
            if value.shape != own[name].shape:
                problems.append(f"{name} has shape {value.shape}, the model needs {own[name].shape}")
            elif not np.issubdtype(value.dtype, np.number) or np.iscomplexobj(value):
                problems.append(f"{name} has dtype {value.dtype}, expected real numbers")
            else:
                arrays[name] = value
        if problems:
            raise ValueError("Cannot load state dict: " + "; ".join(problems) + ".")
        for name, value in arrays.items():
            own[name][...] = value

    # -- architecture ---------------------------------------------------------

    @property
    def input_size(self):
        return self.layers[0].in_features

    @property
    def output_size(self):
        return self.layers[-1].out_features

    def get_config(self):
        """The architecture as plain JSON-able data (no weights)."""
        return {
            "class": "SequentialModel",
            "dtype": self.dtype.name,
            "layers": [layer.get_config() for layer in self.layers],
        }

    @classmethod
    def from_config(cls, config, seed=None, *, initialize=True):
        """Build an (untrained) model from :meth:`get_config` output. Raises ``ValueError``.

        ``initialize=False`` draws no weights (they are left unset) for a caller
        that fills them all next, as ``load_model`` does: no random numbers, no
        temporary arrays, nothing touched before the weights are known to be good.
        """
        if not isinstance(config, dict):
            raise ValueError(f"A model config is a dict. Received: {type(config).__name__}.")
        if config.get("class", "SequentialModel") != "SequentialModel":
            raise ValueError(f"Unknown model class {config.get('class')!r}.")
        layers = config.get("layers")
        if not isinstance(layers, list) or not layers:
            raise ValueError("A model config needs a non-empty list of 'layers'.")
        dtype = config.get("dtype", "float64")
        if dtype not in ("float32", "float64"):
            raise ValueError(f"Unknown dtype {dtype!r}; expected float32 or float64.")
        rng = as_generator(seed)
        built = []
        for i, layer_config in enumerate(layers):
            if not isinstance(layer_config, dict):
                raise ValueError(f"Layer {i} config must be a dict.")
            cls_name = layer_config.get("class", "Dense")
            if cls_name not in LAYERS:
                raise ValueError(f"Layer {i}: unknown layer class {cls_name!r}; nnpy knows: "
                                 f"{', '.join(LAYERS)}.")
            try:
                built.append(LAYERS[cls_name].from_config(layer_config, dtype=dtype, seed=rng,
                                                          initialize=initialize))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"Layer {i}: {exc}") from None
        return cls(built)

    # -- display --------------------------------------------------------------

    def format_summary(self):
        """The table :meth:`summary` prints: layer, output shape, parameters, totals."""
        rows = [("Layer", "Output shape", "Params")]
        for i, layer in enumerate(self.layers):
            rows.append((f"{i}: Dense ({layer.activation.name})",
                         f"(None, {layer.out_features})", f"{layer.num_params():,}"))
        widths = [max(len(r[c]) for r in rows) for c in range(3)]
        line = "-" * (sum(widths) + 6)
        out = [f"Model: SequentialModel  (input: {self.input_size} features, {self.dtype.name})", line]
        for j, row in enumerate(rows):
            out.append(f"{row[0]:<{widths[0]}}   {row[1]:<{widths[1]}}   {row[2]:>{widths[2]}}")
            if j == 0:
                out.append(line)
        out.append(line)
        out.append(f"Total params: {self.count_params():,}")
        out.append(f"Trainable params: {self.count_params():,}")
        return "\n".join(out)

    def _repr_html_(self):
        """The summary as an HTML table: what Jupyter shows for a model at the end of a cell."""
        rows = "".join(
            f"<tr><td>{i}: Dense ({html.escape(str(layer.activation.name))})</td>"
            f"<td>(None, {layer.out_features})</td>"
            f"<td style=\"text-align: right\">{layer.num_params():,}</td></tr>"
            for i, layer in enumerate(self.layers))
        total = self.count_params()
        return ("<table class=\"nnpy-summary\">"
                f"<caption>SequentialModel (input: {self.input_size} features, "
                f"{html.escape(self.dtype.name)})</caption>"
                "<thead><tr><th>Layer</th><th>Output shape</th><th>Params</th></tr></thead>"
                f"<tbody>{rows}</tbody>"
                f"<tfoot><tr><td colspan=\"2\">Total params</td>"
                f"<td style=\"text-align: right\">{total:,}</td></tr>"
                f"<tr><td colspan=\"2\">Trainable params</td>"
                f"<td style=\"text-align: right\">{total:,}</td></tr></tfoot></table>")

    def summary(self, print_fn=print):
        """Print the model table (to ``print_fn``)."""
        print_fn(self.format_summary())

    def __repr__(self):
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"SequentialModel([\n{inner}\n])"

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __iter__(self):
        return iter(self.layers)
