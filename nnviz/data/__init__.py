"""Datasets for nnviz: generated points, the cats files, MNIST; lookup, download, image preprocessing.

Imports no Qt.

>>> from nnviz.data import load_dataset
>>> ds = load_dataset("moons", n_samples=1000, noise=0.2, test_fraction=0.1, seed=100)
>>> ds.X_train.shape, ds.y_train.shape
((900, 2), (900,))
"""

from .dataset import Dataset, train_test_split
from .errors import DatasetError, ImageError
from .fetch import RemoteFile, fetch_dataset
from .images import (
                     array_to_mnist_input,
                     load_image,
                     preprocess_for_model,
                     to_cats_input,
                     to_mnist_input,
)
from .load import (
                     DatasetStatus,
                     dataset_status,
                     find_data_dir,
                     format_dataset_table,
                     list_datasets,
                     load_dataset,
                     load_dataset_file,
)
from .locate import default_download_dir, find_file, search_places, user_data_dir
from .registry import DATASETS, DatasetInfo, dataset_info

__all__ = [
    "load_dataset", "load_dataset_file", "Dataset", "DatasetError", "ImageError", "DATASETS",
    "DatasetInfo", "dataset_info", "list_datasets", "dataset_status", "DatasetStatus",
    "format_dataset_table", "find_data_dir", "find_file", "search_places", "user_data_dir",
    "default_download_dir", "fetch_dataset", "RemoteFile", "load_image", "to_cats_input",
    "to_mnist_input", "array_to_mnist_input", "preprocess_for_model", "train_test_split",
]
