"""What datasets nnviz knows: a table the app, the CLI and the loaders share."""

from __future__ import annotations

from dataclasses import dataclass, field

#: where the cat files come from, for "how to get it" messages
CATS_HOW_TO_GET = (
    "train_catvnoncat.h5 and test_catvnoncat.h5 are the 'cat vs non-cat' files of deeplearning.ai's "
    "course Neural Networks and Deep Learning (the datasets/ folder of its logistic-regression and "
    "deep-network assignments; many public copies exist); put both in one of the folders above, "
    "or pick one of them with File → Open dataset… in the app")

MNIST_HOW_TO_GET = (
    "run `nnviz data fetch mnist` to download the four official files (checked by SHA-256), or put "
    "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
    "t10k-labels-idx1-ubyte.gz (or mnist_all.mat, or Keras's mnist.npz) in one of the folders above, "
    "or pick one with File → Open dataset… in the app")

MNIST_10K_HOW_TO_GET = (
    "run `nnviz data fetch mnist-10k` (or `nnviz data fetch mnist`) to download the official files, or put "
    "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (or mnist.npz, or mnist_all.mat) "
    "in one of the folders above")

DIGITS = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class DatasetInfo:
    """One entry of the registry.

    Attributes
    ----------
    name : the name ``load_dataset`` takes.
    title : a human title for menus.
    kind : "generated" (made by code, needs no file) or "file".
    input_kind : "points" (2-D points) or "image".
    input_shape : shape of one sample: (2,), (3, 64, 64) or (1, 28, 28).
    class_names : the classes, in label order.
    files : the files it needs (all of them), by their usual names.
    alternatives : other single files that can stand in for ``files``.
    fetchable : whether ``nnviz data fetch NAME`` can download it.
    how_to_get : a sentence for "missing file" messages.
    defaults : default generator options (generated datasets only).
    """

    name: str
    title: str
    kind: str
    input_kind: str
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...]
    files: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    fetchable: bool = False
    how_to_get: str = ""
    defaults: dict = field(default_factory=dict)

    @property
    def generated(self) -> bool:
        return self.kind == "generated"


def _points(name, title, class_names, noise, seed=0):
    return DatasetInfo(name=name, title=title, kind="generated", input_kind="points", input_shape=(2,),
                       class_names=class_names,
                       defaults={"n_samples": 1000, "noise": noise, "test_fraction": 0.1, "seed": seed})


DATASETS: dict[str, DatasetInfo] = {
    # the moons seed: make_moons(1000, noise=0.2, random_state=100), 10% test
    "moons": _points("moons", "Moons (two interleaving half circles)", ("upper moon", "lower moon"), 0.2, seed=100),
    "circles": _points("circles", "Circles (a small circle inside a large one)", ("outer circle", "inner circle"), 0.1),
    "xor": _points("xor", "XOR (opposite quadrants)", ("x·y < 0", "x·y > 0"), 0.1),
    "spiral": _points("spiral", "Spiral (interleaved arms)", ("arm 1", "arm 2"), 0.05),
    # Gaussian blobs around points of the unit circle; three classes unless told otherwise
    "blobs": DatasetInfo(name="blobs", title="Blobs (Gaussian clusters, 2 to 8 classes)", kind="generated",
                         input_kind="points", input_shape=(2,), class_names=("blob 1", "blob 2", "blob 3"),
                         defaults={"n_samples": 600, "noise": 0.25, "test_fraction": 0.2, "seed": 0, "classes": 3}),
    "cats": DatasetInfo(
        name="cats", title="Cats vs non-cats (209 + 50 RGB images, 64×64)", kind="file", input_kind="image",
        input_shape=(3, 64, 64), class_names=("non-cat", "cat"),
        files=("train_catvnoncat.h5", "test_catvnoncat.h5"), how_to_get=CATS_HOW_TO_GET),
    "mnist": DatasetInfo(
        name="mnist", title="MNIST digits (60,000 + 10,000 images, 28×28)", kind="file", input_kind="image",
        input_shape=(1, 28, 28), class_names=DIGITS,
        files=("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
               "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
        alternatives=("mnist_all.mat", "mnist.npz"), fetchable=True, how_to_get=MNIST_HOW_TO_GET),
    "mnist-10k": DatasetInfo(
        name="mnist-10k", title="MNIST-10k (the official 10,000 test digits: 8,000 train + 2,000 test)",
        kind="file", input_kind="image", input_shape=(1, 28, 28), class_names=DIGITS,
        files=("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
        alternatives=("mnist.npz", "mnist_all.mat"), fetchable=True, how_to_get=MNIST_10K_HOW_TO_GET),
}


def dataset_info(name: str) -> DatasetInfo:
    """The registry entry for ``name``; ValueError listing the known names otherwise."""
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)} "
                         "(or give the path of a dataset file)") from None
