"""Build an image folder (one sub-folder per class, PNG files) from the real MNIST t10k digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from nnviz.data.mnist_files import IMAGES_MAGIC, LABELS_MAGIC, read_idx

NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def t10k(data_dir) -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 official test digits (uint8 (10000, 28, 28)) and labels, read from ``data_dir``."""
    data_dir = Path(data_dir)
    images = read_idx(data_dir / "t10k-images-idx3-ubyte.gz", IMAGES_MAGIC)
    labels = read_idx(data_dir / "t10k-labels-idx1-ubyte.gz", LABELS_MAGIC)
    return images, labels


def write_digit_folder(root: Path, images: np.ndarray, labels: np.ndarray, names=NAMES) -> Path:
    """Write each image as ``root/<class name>/<index>.png``; returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        (root / name).mkdir(exist_ok=True)
    for i, (img, label) in enumerate(zip(images, labels)):
        Image.fromarray(np.asarray(img, dtype=np.uint8), "L").save(root / names[int(label)] / f"{i:05d}.png",
                                                                    compress_level=1)
    return root
