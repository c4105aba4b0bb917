"""Export a network as one standalone, readable NumPy script (plus its weights in a .npz beside it).

``export_numpy(model, "moons.py")`` writes ``moons.py`` and ``moons.npz``.
The script has ``load_weights()``, ``forward(X, w)`` (the network, one
line per layer, with the shapes in comments), ``predict(X)``
(probabilities, as :meth:`nnviz.engine.Sequential.predict`) and
``predict_classes(X)``; run as a program it predicts on a ``.npy`` or
``.npz`` file. A network trained on a table also gets ``standardize(X, w)``:
``predict`` takes the table's raw rows and standardises them as nnviz did
(the mean and std are in the .npz; see :mod:`.standardization`). Only NumPy is needed; the weights are read with
``np.load(allow_pickle=False)``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np

from nnviz import __version__
from nnviz.engine.atomic import check_save_target

from .files import write_npz, write_text
from .layers import NUMPY_HELPERS, export_layers, plain_text
from .standardization import Standardization


def weights_path(script_path) -> Path:
    """Where the weights of the script ``script_path`` go: the same name ending in .npz."""
    return Path(script_path).with_suffix(".npz")


def _shape_text(shape) -> str:
    return "(m, " + ", ".join(str(d) for d in shape) + ")"


#: the weights-file names of a table's standardisation (see :mod:`.standardization`)
MEAN_KEY, STD_KEY = "standardize.mean", "standardize.std"

STANDARDIZE_HELPER = '''

def standardize(X, w):
    """Raw table rows X (m, n) as the network saw them in training: (X - mean) / std, column by column.

    mean and std are the training rows' (in the weights file); computed in float64, then rounded to DTYPE,
    as nnviz standardises a table.
    """
    X = np.asarray(X, dtype=np.float64)
    return ((X - w["{mean}"]) / w["{std}"]).astype(DTYPE)
'''.replace("{mean}", MEAN_KEY).replace("{std}", STD_KEY)


def script_source(model, weights_name: str, class_names=(), title: str = "",
                  standardization: Standardization | None = None) -> str:
    """The text of the NumPy script for ``model``, reading its weights from ``weights_name`` beside it;
    with ``standardization``, ``predict`` standardises raw table rows first."""
    layers = export_layers(model)
    helpers, body = [], []
    for item in layers:
        for helper in item.code.numpy_helpers:
            if helper not in helpers:
                helpers.append(helper)
        body.append(f"    # {plain_text(item.layer.name)}: {item.description}, {_shape_text(item.ctx.input_shape)} -> "
                    f"{_shape_text(item.ctx.output_shape)}")
        body += [f"    {line}" for line in item.code.numpy_lines]
    units = model.output_units
    names = [str(n) for n in class_names] if class_names else [str(i) for i in range(max(2, units))]
    if units == 1:
        output = "(m, 1): the probability of class 1 (class 1 when above 0.5)"
    else:
        output = f"(m, {units}): one probability per class (the class is the largest)"
    helper_text = "".join(NUMPY_HELPERS[h] for h in helpers)
    if standardization is not None:
        standardization.check(model)
        columns = ", ".join(plain_text(n) for n in standardization.features) or f"{model.input_shape[0]} columns"
        helper_text += STANDARDIZE_HELPER
        rows_text = (f"raw rows of the table ({columns}); predict() standardises them as nnviz\n"
                     "did (standardize()), forward() takes standardised rows")
        standardized_arg, standardized_doc = ", standardized=False", (
            "\n\n    X holds raw table rows, standardised here first; standardized=True: X is already "
            "standardised.\n    ")
        prepare = "    X = X.astype(DTYPE, copy=False) if standardized else standardize(X, w)"
    else:
        rows_text, standardized_arg, standardized_doc = "", "", ""
        prepare = "    X = X.astype(DTYPE, copy=False)"
    input_note = f"\nThe input: {rows_text}.\n" if rows_text else ""
    predict_doc = f"Probabilities {output.split(':')[0]} for X, in batches, as nnviz's Sequential.predict gives " \
                  f"them.{standardized_doc}"
    heading = plain_text(title or "A network")
    return f'''"""{heading}: a neural network exported from nnviz {__version__} on {_dt.date.today().isoformat()}.

Everything the network computes to make a prediction is in forward() below, one line per layer;
the numbers it learned are in {plain_text(weights_name)} beside this file. Only NumPy is needed.
{input_note}
    python {{script}} INPUT.npy              # predicts every row of INPUT ({_shape_text(model.input_shape)})
    python {{script}} DATA.npz --key X_test  # one array of a .npz
{{import_line}}
The network, layer by layer:

{_indent(_summary_text(model), 4)}
"""

import sys
from pathlib import Path

import numpy as np

WEIGHTS_FILE = Path(__file__).resolve().with_name({weights_name!r})
#: one sample's shape (no batch axis): X is {_shape_text(model.input_shape)}
INPUT_SHAPE = {tuple(model.input_shape)!r}
CLASS_NAMES = {names!r}
#: the precision nnviz computed in
DTYPE = np.{model.dtype.name}
#: True for a network trained on a table: predict() standardises raw rows first (standardize() below)
STANDARDIZE = {standardization is not None!r}
{helper_text}

def load_weights(path=WEIGHTS_FILE):
    """The learned numbers: a dict from names like "dense_1.W" to arrays (read without pickle)."""
    with np.load(path, allow_pickle=False) as arrays:
        return {{name: arrays[name] for name in arrays.files}}


def forward(X, w):
    """The network's output for a batch X {_shape_text(model.input_shape)}: {output}."""
    a = X
{chr(10).join(body)}
    return a


def predict(X, w=None, batch_size=256{standardized_arg}):
    """{predict_doc}"""
    w = load_weights() if w is None else w
    X = np.asarray(X)
    if X.shape[1:] != INPUT_SHAPE:
        raise ValueError(f"expected input of shape (m, {{', '.join(map(str, INPUT_SHAPE))}}), got {{X.shape}}")
{prepare}
    return np.concatenate([forward(X[i:i + batch_size], w) for i in range(0, max(len(X), 1), batch_size)])


def predict_classes(X, w=None):
    """The predicted class index of each row of X: (m,) integers."""
    probs = predict(X, w)
    return (probs[:, 0] > 0.5).astype(np.int64) if probs.shape[1] == 1 else probs.argmax(axis=1)


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(description="Predict with the exported network.")
    parser.add_argument("input", help=".npy file, or .npz file (see --key)")
    parser.add_argument("--key", help="the array of a .npz to use (default: X_test, else the only array)")
    parser.add_argument("--save", metavar="OUT.npy", help="also write the probabilities to this .npy file")
    args = parser.parse_args(argv)
    try:
        data = np.load(args.input, allow_pickle=False)
    except (OSError, ValueError) as exc:
        sys.exit(f"cannot read {{args.input}}: {{exc}}")
    if hasattr(data, "files"):  # a .npz: several named arrays
        key = args.key or ("X_test" if "X_test" in data.files else data.files[0] if len(data.files) == 1 else None)
        if key not in data.files:
            sys.exit(f"{{args.input}}: choose one of its arrays with --key: {{', '.join(data.files)}}")
        X = data[key]
    else:
        X = data
    if X.shape == INPUT_SHAPE:
        X = X[None]  # a single sample
    try:
        probs = predict(X)
    except ValueError as exc:
        sys.exit(f"{{args.input}}: {{exc}}")
    for i, p in enumerate(probs):
        if probs.shape[1] == 1:  # the probability of class 1
            c = int(p[0] > 0.5)
            confidence = p[0] if c == 1 else 1 - p[0]
        else:
            c = int(p.argmax())
            confidence = p[c]
        print(f"{{i}}: {{CLASS_NAMES[c]}} ({{confidence:.1%}})")
    if args.save:
        np.save(args.save, probs)


if __name__ == "__main__":
    main(sys.argv[1:])
'''


def _summary_text(model) -> str:
    """``model.summary()``, line by line safe inside the generated docstring."""
    return "\n".join(plain_text(line) for line in model.summary().splitlines())


def _indent(text: str, n: int) -> str:
    return "\n".join(" " * n + line if line else line for line in text.splitlines())


def numpy_arrays(model, standardization: Standardization | None = None) -> dict[str, np.ndarray]:
    arrays = {}
    for item in export_layers(model):
        arrays.update(item.code.numpy_arrays)
    if standardization is not None:
        arrays[MEAN_KEY], arrays[STD_KEY] = standardization.mean.copy(), standardization.std.copy()
    return arrays


def export_numpy(model, out_path, class_names=None, title: str = "",
                 standardization: Standardization | None = None) -> list[Path]:
    """Write the NumPy script ``out_path`` (a .py) and its weights (the same name ending in .npz).

    ``standardization`` (a table's, see :mod:`.standardization`): the script's ``predict`` takes raw rows.

    Everything is checked first; ExportError names a layer that cannot be exported, SaveError the
    file that cannot be written. Returns the two files.
    """
    path = Path(out_path)
    if path.suffix != ".py":
        path = path.with_name(path.name + ".py")
    weights = weights_path(path)
    text = script_source(model, weights.name, class_names or (), title, standardization)
    importable = f"    from {path.stem} import predict; probs = predict(X)\n" if path.stem.isidentifier() else ""
    text = text.replace("{script}", plain_text(path.name)).replace("{import_line}", importable)
    arrays = numpy_arrays(model, standardization)
    check_save_target(path)  # a wrong folder is named as the script's, before anything is written
    write_npz(weights, arrays)
    write_text(path, text)
    return [path, weights]
