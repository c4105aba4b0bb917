"""Export a network as a PyTorch project folder: ``model.py``, weights, ``train.py``, data, README.

::

    OUT_DIR/model.py              build_model(), load_model() (eval mode, weights.npz), predict(X)
    OUT_DIR/weights.npz           the trained weights, under PyTorch's state-dict names and layouts
    OUT_DIR/initial_weights.npz   the weights nnviz started from (same seed), where train.py starts
    OUT_DIR/train.py              trains the same network on the same data (CPU/GPU, torchrun → DDP)
    OUT_DIR/data.npz              X_train, y_train, X_test, y_test, class_names (when the data is given)
    OUT_DIR/README.txt
    OUT_DIR/standardization.npz   a table's mean and std (float64): predict() standardises raw rows with them

Input is batch-first as in nnviz: ``(m, features)`` or images ``(m, C, H, W)``;
the output is what :meth:`nnviz.engine.Sequential.predict` returns: ``(m, 1)``
probabilities of class 1 for a sigmoid output, ``(m, k)`` for softmax.
Everything is read with ``np.load(allow_pickle=False)``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np

from nnviz import __version__

from .files import prepare_folder, write_npz, write_text
from .layers import TORCH_HELPERS, ExportError, export_layers, plain_text
from .settings import TrainingSettings
from .standardization import Standardization, from_dataset

#: the files an export writes (data.npz only when the data is given)
FILES = ("model.py", "weights.npz", "initial_weights.npz", "train.py", "data.npz", "README.txt")
#: the output activation each cross-entropy loss is computed from the logits of (train.py drops it)
FUSED = {"binary_crossentropy": "sigmoid", "categorical_crossentropy": "softmax"}
TORCH_DTYPES = {"float32": "torch.float32", "float64": "torch.float64"}
#: nnviz optimizer → how train.py builds the PyTorch one (documented differences in train.py's text)
OPTIMIZER_NAMES = ("sgd", "momentum", "rmsprop", "adagrad", "adam")
#: written besides FILES for a network trained on a table: "mean" and "std" (float64) and "features"
STANDARDIZATION_FILE = "standardization.npz"

STANDARDIZE_SOURCE = '''
#: the table's columns were standardised in training: predict() applies (raw - mean) / std to raw rows
STANDARDIZATION_FILE = HERE / "standardization.npz"


def standardize(X, path=STANDARDIZATION_FILE) -> np.ndarray:
    """Raw table rows X (m, n) as the network saw them in training: (X - mean) / std, column by column.

    mean and std are the training rows' (standardization.npz); computed in float64, then rounded to the
    network's precision, as nnviz standardises a table. data.npz already holds standardised rows.
    """
    with np.load(path, allow_pickle=False) as f:
        mean, std = f["mean"], f["std"]
    return ((np.asarray(X, dtype=np.float64) - mean) / std).astype({dtype})
'''


def torch_state(model) -> dict[str, np.ndarray]:
    """``model``'s weights and buffers under the exported ``nn.Sequential``'s state-dict names."""
    state = {}
    for item in export_layers(model):
        state.update(item.code.torch_state)
    return state


def initial_model(model):
    """A copy of ``model`` with the weights nnviz initialized it with (same config, same seed)."""
    from nnviz.engine import Sequential

    return Sequential.from_config(model.get_config())


def _shape_text(shape) -> str:
    return "(m, " + ", ".join(str(d) for d in shape) + ")"


def model_source(model, class_names=(), title: str = "", standardization: Standardization | None = None) -> str:
    """The text of ``model.py`` for ``model``; with ``standardization``, ``predict`` takes raw table rows."""
    layers = export_layers(model)
    rows, helpers = [], []
    for item in layers:
        for helper in item.code.torch_helpers:
            if helper not in TORCH_HELPERS:
                raise ExportError(f"{item.layer.name}: its PyTorch module class {helper!r} is missing from "
                                  "nnviz.lab.export.layers.TORCH_HELPERS.")
            if helper not in helpers:
                helpers.append(helper)
        comment = f"{plain_text(item.layer.name)}: {item.description}, {_shape_text(item.ctx.input_shape)} -> " \
                  f"{_shape_text(item.ctx.output_shape)}"
        rows.append(f"        # {comment}")
        for name, expression in item.code.torch_modules:
            rows.append(f"        ({name!r}, {expression}),")
    if model.dtype.name not in TORCH_DTYPES:
        raise ExportError(f"the network computes in {model.dtype.name}; nnviz exports float32 and float64 networks.")
    units = model.output_units
    act = model.layers[-1].activation_name
    if units == 1:
        output = f"(m, 1): the {act} output, the probability of class 1" if act == "sigmoid" else f"(m, 1), {act}"
    else:
        output = f"(m, {units}): one probability per class ({act})" if act == "softmax" else f"(m, {units}), {act}"
    names = [str(n) for n in class_names] if class_names else [str(i) for i in range(max(2, units))]
    helper_text = "".join(TORCH_HELPERS[h] for h in helpers)
    if standardization is not None:
        standardization.check(model)
        columns = ", ".join(plain_text(n) for n in standardization.features) or f"{model.input_shape[0]} columns"
        helper_text += STANDARDIZE_SOURCE.replace("{dtype}", f"np.{model.dtype.name}")
        use_note = (f"\n\nThe network was trained on a table whose columns ({columns}) were standardised: predict(X)\n"
                    "takes raw rows and standardises them first (standardize(), with standardization.npz);\n"
                    "the nn.Sequential itself, train.py and data.npz work on standardised rows.")
        standardized_arg = ", standardized=False"
        standardized_doc = ("\n\n    X holds raw table rows, standardised here first; standardized=True: X is "
                            "already standardised.\n    ")
        prepare = "    X = X if standardized else standardize(X)\n"
    else:
        use_note = standardized_arg = standardized_doc = prepare = ""
    predict_doc = f"Probabilities for a NumPy batch ``X`` shaped {_shape_text(model.input_shape)}, as nnviz's " \
                  f"predict gives them.{standardized_doc}"
    heading = plain_text(title or "A network")
    return f'''"""{heading}: exported from nnviz {__version__} on {_dt.date.today().isoformat()}.

The layers, in order (as nnviz builds them):

{_indent(_summary_text(model), 4)}

Use it::

    from model import load_model, predict
    net = load_model()                 # nn.Sequential in eval mode, weights from weights.npz beside this file
    probs = net(torch.as_tensor(X))    # X batch-first, as in nnviz: {_shape_text(model.input_shape)}
    probs = predict(X)                 # the same from a NumPy array, returning a NumPy array

The output is {output}, exactly as nnviz's Sequential.predict returns it.{use_note}
"""

from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
#: one sample's shape (no batch axis)
INPUT_SHAPE = {tuple(model.input_shape)!r}
CLASS_NAMES = {names!r}
#: the precision nnviz computed in
DTYPE = {TORCH_DTYPES[model.dtype.name]}
{helper_text}

def build_model() -> nn.Sequential:
    """The network with PyTorch's default initial weights (load_model puts the trained ones in)."""
    model = nn.Sequential(OrderedDict([
{chr(10).join(rows)}
    ]))
    return model.to(DTYPE)


def load_weights(model: nn.Module, path) -> nn.Module:
    """Copy the weights stored in a .npz (state-dict names as keys, read without pickle) into ``model``."""
    with np.load(path, allow_pickle=False) as arrays:
        state = {{key: torch.from_numpy(arrays[key]) for key in arrays.files}}
    model.load_state_dict(state)  # strict: every tensor must be there, with the right shape
    return model


def load_model(path=HERE / "weights.npz", device="cpu") -> nn.Sequential:
    """The trained network in eval mode (dropout off, batch norm on its running averages)."""
    return load_weights(build_model(), path).to(device).eval()


def predict(X, model=None{standardized_arg}) -> np.ndarray:
    """{predict_doc}"""
    model = load_model() if model is None else model
    device = next(model.parameters()).device
    X = np.asarray(X)
    if X.shape[1:] != INPUT_SHAPE:
        raise ValueError(f"expected input of shape (m, {{', '.join(map(str, INPUT_SHAPE))}}), got {{X.shape}}")
{prepare}    with torch.no_grad():
        return model(torch.as_tensor(X, dtype=DTYPE, device=device)).cpu().numpy()


if __name__ == "__main__":
    print(load_model())
'''


def _summary_text(model) -> str:
    """``model.summary()``, line by line safe inside the generated docstring."""
    return "\n".join(plain_text(line) for line in model.summary().splitlines())


def _indent(text: str, n: int) -> str:
    return "\n".join(" " * n + line if line else line for line in text.splitlines())


def train_source(model, settings: TrainingSettings) -> str:
    """The text of ``train.py``: the nnviz run's settings as defaults, then the template."""
    if settings.optimizer_name not in OPTIMIZER_NAMES:
        raise ExportError(f"the optimizer {settings.optimizer_name!r} has no PyTorch counterpart in the export; "
                          f"expected one of {', '.join(OPTIMIZER_NAMES)}.")
    loss = model.loss.name
    fused = FUSED.get(loss) == model.layers[-1].activation_name
    layers = export_layers(model)
    regularized = [f"{item.ctx.name}.weight" for item in layers for key in item.layer.regularized
                   if key == "W" and f"{item.ctx.name}.weight" in item.code.torch_state]
    options = {k: v for k, v in settings.optimizer.items() if k not in ("name", "lr")}
    batch = settings.batch_size
    return TRAIN_TEMPLATE.format(
        version=__version__, loss=loss, fused=fused, activation=model.layers[-1].activation_name,
        optimizer=settings.optimizer_name, options=options,
        lr=settings.lr, epochs=int(settings.epochs), batch=batch, l2=float(model.l2), seed=int(model.seed),
        regularized=regularized, dataset=settings.dataset or "the nnviz dataset",
        batch_text="full batch" if batch is None else f"batch {batch}",
        count=settings.count_label,
    )


TRAIN_TEMPLATE = '''"""Train the exported nnviz network with PyTorch: CPU or GPU, one process or many.

    python train.py                          # one process; the GPU if there is one (--cpu: never)
    torchrun --nproc_per_node=2 train.py     # DistributedDataParallel: gloo on CPU, nccl on GPU
                                             # (torchrun --standalone ... picks a free port)
    python train.py --epochs 50 --lr 0.01 --batch-size 64 --save trained.npz

The defaults are the nnviz run's ({optimizer}, lr {lr:g}, {epochs} {count}, {batch_text}) on
{dataset} (data.npz beside this file). Training starts from the very weights nnviz started from
(initial_weights.npz: same initializer, same seed); --start trained continues from weights.npz,
--start random uses PyTorch's own initialization.

Under torchrun every process reads its own share of the training set (a DistributedSampler), and
DistributedDataParallel averages the gradients, so --batch-size is per process: 2 processes with
--batch-size 64 take 128 samples per step. Full batch ("--batch-size 0", the default when nnviz
trained full-batch) is each process's whole share. Exported from nnviz {version}.
"""

import argparse
import os
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data.distributed import DistributedSampler

from model import DTYPE, HERE, build_model, load_weights

LOSS = {loss!r}
#: True: the loss is computed from the logits (the model without its last {activation} module), as nnviz does
FROM_LOGITS = {fused!r}
OPTIMIZER = {optimizer!r}
OPTIMIZER_OPTIONS = {options!r}
LR = {lr!r}
EPOCHS = {epochs!r}
BATCH_SIZE = {batch!r}  # None: full batch
#: nnviz's L2: l2 / (2 m) * sum(W ** 2) over these weights, m the batch size
L2 = {l2!r}
REGULARIZED = {regularized!r}
SEED = {seed!r}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"passes over the data (default {{EPOCHS}})")
    parser.add_argument("--lr", type=float, default=LR, help=f"learning rate (default {{LR:g}})")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE or 0,
                        help="samples per step and process; 0 = full batch (default {batch_text})")
    parser.add_argument("--start", choices=("initial", "trained", "random"), default="initial",
                        help="initial: nnviz's initial weights (default); trained: weights.npz; random: PyTorch's")
    parser.add_argument("--data", default=str(HERE / "data.npz"), help="X_train, y_train, X_test, y_test (.npz)")
    parser.add_argument("--cpu", action="store_true", help="train on the CPU even if there is a GPU")
    parser.add_argument("--save", metavar="FILE.npz", help="write the trained weights (load with model.load_weights)")
    return parser.parse_args()


def setup():
    """(rank, world size, device); under torchrun, the process group (nccl on GPUs, gloo on CPUs)."""
    cuda = torch.cuda.is_available() and not ARGS.cpu
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        dist.init_process_group("nccl" if cuda else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{{local}}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    return rank, world, device


def load_data(path):
    if not os.path.isfile(path):
        raise SystemExit(f"train.py: {{path}} not found; export the network with its data again "
                         "(nnviz export pytorch MODEL OUT_DIR --dataset NAME) or pass --data FILE.npz")
    with np.load(path, allow_pickle=False) as f:
        return {{k: f[k] for k in ("X_train", "y_train", "X_test", "y_test")}}


def make_optimizer(params, lr):
    o = OPTIMIZER_OPTIONS
    if OPTIMIZER == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if OPTIMIZER == "momentum":  # nnviz: v = beta v + (1 - beta) g  (PyTorch's first step uses v = g)
        beta = o.get("beta", 0.9)
        return torch.optim.SGD(params, lr=lr, momentum=beta, dampening=1 - beta)
    if OPTIMIZER == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=o.get("rho", 0.9), eps=o.get("epsilon", 1e-7))
    if OPTIMIZER == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=o.get("epsilon", 1e-7))
    return torch.optim.Adam(params, lr=lr, betas=(o.get("beta1", 0.9), o.get("beta2", 0.999)),
                            eps=o.get("epsilon", 1e-8))


def cost(net, model, X, y):
    """nnviz's cost of one batch: the loss, averaged over the batch, plus the L2 term."""
    out = net(X)
    if LOSS == "binary_crossentropy":
        loss = (F.binary_cross_entropy_with_logits(out, y.to(out.dtype).view(-1, 1)) if FROM_LOGITS
                else F.binary_cross_entropy(out, y.to(out.dtype).view(-1, 1)))
    elif LOSS == "categorical_crossentropy":
        loss = F.cross_entropy(out, y) if FROM_LOGITS else F.nll_loss(torch.log(out.clamp_min(1e-12)), y)
    else:  # nnviz's mse: mean over samples of 1/2 * sum over outputs of (a - Y)^2
        Y = y.to(out.dtype).view(-1, 1) if out.shape[1] == 1 else F.one_hot(y, out.shape[1]).to(out.dtype)
        loss = 0.5 * ((out - Y) ** 2).sum(dim=1).mean()
    if L2:
        params = dict(model.named_parameters())
        loss = loss + L2 / (2 * X.shape[0]) * sum((params[name] ** 2).sum() for name in REGULARIZED)
    return loss


def correct(model, X, y, batch=1024):
    """How many of X the model classifies right (a sigmoid output: class 1 above 0.5)."""
    hits = 0
    with torch.no_grad():
        for i in range(0, len(X), batch):
            out = model(X[i:i + batch])
            pred = (out[:, 0] > 0.5).long() if out.shape[1] == 1 else out.argmax(dim=1)
            hits += int((pred == y[i:i + batch]).sum())
    return hits


def accuracy(model, X, y, rank, world, device):
    """Accuracy on all of X: each process counts its share (rank::world), the counts are summed."""
    model.eval()
    mine = slice(rank, None, world)
    counts = torch.tensor([correct(model, X[mine], y[mine]), len(y[mine])], dtype=torch.float64, device=device)
    if world > 1:
        dist.all_reduce(counts)
    model.train()
    return float(counts[0] / counts[1])


def main():
    rank, world, device = setup()
    torch.manual_seed(SEED + rank)
    data = load_data(ARGS.data)
    X_train = torch.as_tensor(data["X_train"], dtype=DTYPE, device=device)
    y_train = torch.as_tensor(data["y_train"], dtype=torch.long, device=device)
    X_test = torch.as_tensor(data["X_test"], dtype=DTYPE, device=device)
    y_test = torch.as_tensor(data["y_test"], dtype=torch.long, device=device)

    model = build_model()
    if ARGS.start != "random":
        load_weights(model, HERE / ("initial_weights.npz" if ARGS.start == "initial" else "weights.npz"))
    model.to(device).train()
    body = model[:-1] if FROM_LOGITS else model  # the same parameters; the loss applies the last activation
    net = DistributedDataParallel(body, device_ids=[device.index] if device.type == "cuda" else None) \\
        if world > 1 else body
    optimizer = make_optimizer(model.parameters(), ARGS.lr)

    # every process takes its own share of the shuffled training set, a new shuffle each epoch
    sampler = DistributedSampler(range(len(y_train)), num_replicas=world, rank=rank, shuffle=True, seed=SEED)
    batch = ARGS.batch_size or sampler.num_samples
    every = max(1, ARGS.epochs // 20)
    if rank == 0:
        print(f"training on {{len(y_train)}} samples, {{world}} process(es) on {{device.type}}"
              f"{{' (gloo)' if world > 1 and device.type == 'cpu' else ' (nccl)' if world > 1 else ''}}, "
              f"{{OPTIMIZER}} lr {{ARGS.lr:g}}, batch {{batch}} per process, {{ARGS.epochs}} epoch(s)", flush=True)
    start = time.perf_counter()
    for epoch in range(1, ARGS.epochs + 1):
        sampler.set_epoch(epoch)
        order = torch.tensor(list(sampler), device=device)
        total = 0.0
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = cost(net, model, X_train[idx], y_train[idx])
            loss.backward()
            optimizer.step()
            total += loss.detach().item() * len(idx)
        if rank == 0 and (epoch % every == 0 or epoch == ARGS.epochs):
            print(f"epoch {{epoch}}/{{ARGS.epochs}}  cost {{total / len(order):.4f}}  "
                  f"({{time.perf_counter() - start:.1f}} s)", flush=True)

    train_acc = accuracy(model, X_train, y_train, rank, world, device)
    test_acc = accuracy(model, X_test, y_test, rank, world, device)
    if rank == 0:
        print(f"train accuracy: {{train_acc:.4f}}")
        print(f"test accuracy: {{test_acc:.4f}}", flush=True)
        if ARGS.save:
            state = {{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}}
            tmp = ARGS.save + ".tmp"
            with open(tmp, "wb") as f:
                np.savez(f, **state)
            os.replace(tmp, ARGS.save)
            print(f"saved the trained weights to {{ARGS.save}}")
    if world > 1:
        dist.barrier()          # no rank tears gloo down while another is still in a collective
        dist.destroy_process_group()


if __name__ == "__main__":
    ARGS = parse_args()
    main()
'''


README_TEMPLATE = """{title}
{underline}

Exported from nnviz {version} on {date}.

  model.py              the network as a PyTorch nn.Sequential. load_model() returns it in eval mode
                        with the trained weights (weights.npz); predict(X) takes a NumPy batch.
                        Input is batch-first as in nnviz: {input_text}.
                        Output: {output_text}.
  weights.npz           the trained weights, under the state-dict names of model.py
                        (Linear weights are stored transposed, (out, in), as PyTorch keeps them).
  initial_weights.npz   the weights nnviz started training from (its initializer and seed).
  train.py              trains the same network on the same data with PyTorch:
                            python train.py
                            torchrun --nproc_per_node=2 train.py --epochs 1
                        (CPU or GPU; under torchrun DistributedDataParallel with gloo or nccl).
                        Defaults: {settings_text}.
{data_line}

Every .npz is read with numpy.load(..., allow_pickle=False): plain arrays, no pickled code.
Needs: numpy and torch (pip install numpy torch).

The network:

{summary}
"""


def readme_source(model, settings: TrainingSettings, title: str, data_text: str) -> str:
    units = model.output_units
    output = ("(m, 1), the probability of class 1" if units == 1 else f"(m, {units}), one probability per class")
    batch = "full batch" if settings.batch_size is None else f"batch {settings.batch_size}"
    return README_TEMPLATE.format(
        title=title, underline="=" * len(title), version=__version__, date=_dt.date.today().isoformat(),
        input_text=_shape_text(model.input_shape), output_text=output,
        settings_text=f"{settings.optimizer_name}, lr {settings.lr:g}, {settings.epochs} {settings.count_label}, {batch}",
        data_line=data_text, summary=_indent(model.summary(), 2))


def dataset_arrays(model, dataset) -> dict[str, np.ndarray]:
    """X_train, y_train, X_test, y_test and class_names of ``dataset``, checked against ``model``'s input."""
    if tuple(dataset.input_shape) != tuple(model.input_shape):
        raise ExportError(f"the dataset {dataset.name} has inputs of shape {tuple(dataset.input_shape)}, but the "
                          f"network takes {tuple(model.input_shape)}; choose the dataset it was trained on.")
    return {"X_train": np.asarray(dataset.X_train), "y_train": np.asarray(dataset.y_train, dtype=np.int64),
            "X_test": np.asarray(dataset.X_test), "y_test": np.asarray(dataset.y_test, dtype=np.int64),
            "class_names": np.array([str(c) for c in dataset.class_names], dtype=str)}


def export_pytorch(model, out_dir, settings: TrainingSettings | None = None, dataset=None,
                   class_names=None, title: str = "", standardization: Standardization | None = None) -> list[Path]:
    """Write the PyTorch export of ``model`` into the folder ``out_dir`` (created; its parent must exist).

    ``settings`` are the run's (defaults of train.py), ``dataset`` an
    :class:`nnviz.data.Dataset` written as data.npz (None: no data file).
    Everything is checked before the first file is written; ExportError
    (a ValueError) names the layer or setting that cannot be exported,
    SaveError (an OSError) the file that cannot be written. Returns the files written.
    ``standardization`` (default: the dataset's, for a table) adds standardization.npz and makes
    ``predict`` in model.py take raw rows (see :mod:`.standardization`).
    """
    settings = settings or TrainingSettings()
    if standardization is None and dataset is not None:
        standardization = from_dataset(dataset)
    names = list(class_names or (dataset.class_names if dataset is not None else []) or [])
    title = title or (f"{settings.dataset} network" if settings.dataset else "nnviz network")
    model_text = model_source(model, names, title, standardization)
    train_text = train_source(model, settings)
    weights = torch_state(model)
    initial = torch_state(initial_model(model))
    data = dataset_arrays(model, dataset) if dataset is not None else None
    data_text = ("  data.npz              X_train, y_train, X_test, y_test, class_names: "
                 f"{len(data['y_train']):,} training and {len(data['y_test']):,} test samples of {dataset.name}."
                 if data is not None else
                 "  (no data.npz: the data was not exported; give train.py --data FILE.npz with X_train, y_train,\n"
                 "   X_test, y_test)")
    if standardization is not None:
        data_text += ("\n  standardization.npz   the table's training mean and std per column (float64): model.py's\n"
                      "                        predict() standardises raw rows with them; data.npz holds\n"
                      "                        standardised rows, as nnviz trained on.")
    readme = readme_source(model, settings, title, data_text)
    folder = prepare_folder(out_dir)
    written = []
    for name, write in (("model.py", lambda p: write_text(p, model_text)),
                        ("weights.npz", lambda p: write_npz(p, weights)),
                        ("initial_weights.npz", lambda p: write_npz(p, initial)),
                        ("train.py", lambda p: write_text(p, train_text)),
                        ("data.npz", (lambda p: write_npz(p, data, compressed=True)) if data is not None else None),
                        (STANDARDIZATION_FILE, (lambda p: write_npz(p, {
                            **standardization.arrays(), "features": np.array(standardization.features, dtype=str)}))
                         if standardization is not None else None),
                        ("README.txt", lambda p: write_text(p, readme))):
        if write is not None:
            write(folder / name)
            written.append(folder / name)
    return written
