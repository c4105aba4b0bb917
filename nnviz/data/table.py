"""Numeric tables (CSV / TSV) as datasets: one sample a row, one column holds the class.

:func:`read_table` reads a text table whose delimiter (comma, tab or
semicolon) is sniffed from its first lines; a header row is optional
(guessed when not said). One column is the label (default: the last): whole
numbers or names, the class names being its distinct values, sorted. Every
other column is a feature and must hold finite numbers. The rows are split
into training and test parts with a seeded shuffle, and the features are
standardised with the mean and standard deviation of the *training* rows
only (kept on the dataset, so prediction and export can reuse them).

Bad tables raise :class:`~nnviz.data.errors.DatasetError` with one sentence
naming the file, the row (1-based, as a spreadsheet numbers it: the header is
row 1) and the column (by its header name, else "column 3"). The file's
size is checked before it is read, and so are its columns, so a hostile file
cannot make nnviz allocate more than a few times its size.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from array import array
from pathlib import Path

import numpy as np

from .dataset import Dataset, train_test_split
from .errors import DatasetError

#: files larger than this are refused before reading (a table for a classroom is far smaller)
MAX_TABLE_BYTES = 32 * 1024 * 1024
#: at most this many columns, and this many distinct classes
MAX_COLUMNS = 10_000
MAX_CLASSES = 100
#: the delimiters nnviz recognises, in order of preference when several fit
DELIMITERS = ("\t", ";", ",")
DELIMITER_NAMES = {"\t": "tab", ";": "semicolon", ",": "comma"}
#: cells that mean "no value"
MISSING = {"", "na", "n/a", "nan", "null", "none", "?", "-", "missing"}
TABLE_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
SNIFF_LINES = 50


def looks_like_table(path) -> bool:
    """True if ``path`` ends like a table file (.csv, .tsv, .tab), or is a .txt file whose first line
    holds a separator (comma, tab or semicolon) and the file a digit (a .txt of notes is no table)."""
    name = str(path).lower()
    if not name.endswith(TABLE_SUFFIXES):
        return False
    if not name.endswith(".txt"):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return True             # the reader says what is wrong with it
    first = head.split(b"\n", 1)[0]
    return any(sep in first for sep in (b",", b"\t", b";")) and any(c in head for c in b"0123456789")


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if size > MAX_TABLE_BYTES:
        raise DatasetError(f"{path} is {size / 2**20:,.0f} MiB; nnviz reads tables of at most "
                           f"{MAX_TABLE_BYTES // 2**20} MiB (expected a small numeric table)")
    try:
        with open(path, "rb") as f:
            raw = f.read(size + 1)            # read(n) reserves n bytes first: ask for what the file holds
            if len(raw) > size:               # it grew meanwhile
                raw += f.read(MAX_TABLE_BYTES + 1 - len(raw))
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if len(raw) > MAX_TABLE_BYTES:
        raise DatasetError(f"{path} grew beyond {MAX_TABLE_BYTES // 2**20} MiB while being read")
    if b"\x00" in raw[:65536]:
        raise DatasetError(f"{path} is not a text table: it holds binary data (expected comma-, tab- or "
                           "semicolon-separated numbers)")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")  # pragma: no cover  (latin-1 decodes any bytes)


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter of these (non-empty) lines: the first of tab, semicolon, comma that appears the
    same number of times (at least once) in every line; else the one most common overall; else comma."""
    sample = lines[:SNIFF_LINES]
    for d in DELIMITERS:
        counts = {line.count(d) for line in sample}
        if len(counts) == 1 and counts.pop() > 0:
            return d
    totals = {d: sum(line.count(d) for line in sample) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: totals[d])
    return best if totals[best] else ","


def _first_lines(text: str, count: int = SNIFF_LINES) -> list[str]:
    """Up to ``count`` non-blank lines from the start of ``text`` (without splitting all of it)."""
    out, pos = [], 0
    while len(out) < count and pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end].rstrip("\r")
        if line.strip():
            out.append(line)
        pos = end + 1
    return out


def _rows(path: Path, text: str, delimiter: str):
    """Yield (row number, stripped cells) for each non-blank row; row numbers count blank lines too."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    start = 1
    try:
        for cells in reader:
            number, start = start, reader.line_num + 1
            if len(cells) > MAX_COLUMNS:
                raise DatasetError(f"{path}, row {number}: {len(cells):,} cells; nnviz reads tables of at "
                                   f"most {MAX_COLUMNS:,} columns")
            if any(c.strip() for c in cells):
                yield number, [c.strip() for c in cells]
    except csv.Error as exc:
        raise DatasetError(f"{path}, row {start}: the row cannot be read as "
                           f"{DELIMITER_NAMES[delimiter]}-separated values ({exc})") from None


def _number(cell: str, decimal_comma: bool) -> float | None:
    """The cell as a float, or None if it is not a number (missing values are checked before)."""
    text = cell.replace(",", ".") if decimal_comma and cell.count(",") == 1 and "." not in cell else cell
    if "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING


def _guess_header(rows: list[list[str]], decimal_comma: bool) -> bool:
    """A first row is a header if one of its cells is text where the second row has a number."""
    first = rows[0]
    if len(rows) == 1:
        return all(_number(c, decimal_comma) is None for c in first)
    second = rows[1]
    return any(_number(a, decimal_comma) is None and not _is_missing(a) and _number(b, decimal_comma) is not None
               for a, b in zip(first, second))


def _unique(names: list[str]) -> list[str]:
    """Header names made distinct: a repeated name gets its column number, "x (4)"."""
    seen, out = set(), []
    for i, n in enumerate(names):
        out.append(n if n not in seen else f"{n} ({i + 1})")
        seen.add(n)
    return out


def _feature(path, number: int, names: list[str], i: int, cell: str, decimal_comma: bool) -> float:
    """One feature cell as a finite float, or the sentence naming its row and column."""
    if _is_missing(cell):
        shown = f"{cell!r}" if cell else "an empty cell"
        raise DatasetError(f"{path}, row {number}, {column_name(names, i)}: a missing value ({shown}); "
                           "nnviz needs a number in every feature cell: fill it in or delete the row")
    value = _number(cell, decimal_comma)
    if value is None:
        raise DatasetError(f"{path}, row {number}, {column_name(names, i)}: {cell[:40]!r} is not a number; "
                           "feature columns must hold numbers (only the label column may hold names)")
    if not math.isfinite(value):
        raise DatasetError(f"{path}, row {number}, {column_name(names, i)}: {cell[:40]!r} is not a finite number")
    return value


def _label_index(label_column, names: list[str], path: Path) -> int:
    n = len(names)
    if label_column is None or label_column == "":
        return n - 1
    if isinstance(label_column, str) and not label_column.lstrip("-").isdigit():
        if label_column in names:
            return names.index(label_column)
        shown = ", ".join(repr(x) for x in names[:12]) + (", …" if n > 12 else "")
        raise DatasetError(f"{path} has no column named {label_column!r} to take the classes from; "
                           f"its columns are {shown}")
    index = int(label_column)
    if not -n <= index < n:
        raise DatasetError(f"{path} has {n} columns; the label column {index} does not exist "
                           f"(expected 0 to {n - 1}, or -1 for the last)")
    return index % n


def column_name(names: list[str], index: int) -> str:
    """How a message names a column: ``column 'petal_length'`` or ``column 3`` (1-based)."""
    return f"column {names[index]!r}" if names[index] != f"column {index + 1}" else f"column {index + 1}"


def _classes(path, codes: array, seen: dict, label_name: str) -> tuple[np.ndarray, list[str]]:
    """Class indices (m,) and class names from the label cells: whole numbers (sorted numerically) or
    names (sorted). ``codes`` numbers each row's cell in order of first appearance; ``seen`` maps
    each distinct cell to the row it first appears in."""
    cells = list(seen)
    values = [_number(c, False) for c in cells]
    if all(v is not None for v in values):
        for cell, v in zip(cells, values):
            if not math.isfinite(v) or v != int(v):
                raise DatasetError(f"{path}, row {seen[cell]}, {label_name}: {cell[:40]!r} is not a class; the "
                                   "label column must hold whole numbers or names (a column of measurements "
                                   "cannot be the label: choose another label column)")
        keys = [int(v) for v in values]
    else:
        keys = cells
    if len(cells) < 2:
        raise DatasetError(f"{path}, {label_name}: every row has the same class, {cells[0]!r}; a classifier "
                           "needs at least two classes: choose another label column")
    order = sorted(range(len(cells)), key=lambda i: keys[i])
    rank = np.empty(len(cells), dtype=np.int64)
    rank[order] = np.arange(len(cells))
    names = [str(keys[i]) for i in order]
    return rank[np.frombuffer(codes, dtype=np.int32)], names


def read_table(path, label_column=None, header: bool | None = None, test_fraction: float = 0.2,
               seed: int | None = 0, name: str | None = None) -> Dataset:
    """Read a numeric CSV / TSV table as a standardised, split :class:`Dataset`.

    Parameters
    ----------
    path : the file (comma, tab or semicolon separated; the delimiter is sniffed).
    label_column : the column holding the classes: a header name, a 0-based index (negative counts
        from the end), or None for the last column.
    header : whether the first row names the columns; None guesses (a header has text where the
        next row has numbers).
    test_fraction, seed : the seeded train/test split (:func:`~nnviz.data.dataset.train_test_split`).

    Returns
    -------
    Dataset with X float32 (m, n) standardised by the training rows' mean and std
    (``feature_mean``, ``feature_std``, float64 (n,); a constant column keeps std 1), y int64 (m,),
    input_shape (n,), ``feature_names`` and ``details`` = {"columns", "label_column", "header",
    "delimiter", "rows"}.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise DatasetError(f"{path} is a folder, not a table (to use a folder of images, open it as an image folder)")
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"test fraction must be between 0 and 1. Received: {test_fraction}")
    text = _read_text(path)
    head = _first_lines(text)
    if not head:
        raise DatasetError(f"{path} is empty: expected a table of numbers, one sample a row, "
                           "with the class in one column")
    delimiter = sniff_delimiter(head)
    kind = DELIMITER_NAMES[delimiter]
    decimal_comma = delimiter == ";"
    rows = _rows(path, text, delimiter)
    first = next(rows)
    second = next(rows, None)
    sample = [first[1]] + ([second[1]] if second is not None else [])
    has_header = _guess_header(sample, decimal_comma) if header is None else bool(header)
    width = len(first[1])
    if has_header:
        names = _unique([c if c else f"column {i + 1}" for i, c in enumerate(first[1])])
        if second is None:
            raise DatasetError(f"{path} has a header row but no data rows: expected one sample a row below it")
        data = itertools.chain([second], rows)
    else:
        names = [f"column {i + 1}" for i in range(width)]
        data = itertools.chain([first] + ([second] if second is not None else []), rows)
    if width < 2:
        raise DatasetError(f"{path} has a single column (read as {kind}-separated values): "
                           "expected at least one feature column and a label column")
    label = _label_index(label_column, names, path)
    features = [i for i in range(width) if i != label]
    reference = "the header (row 1)" if has_header else f"row {first[0]}"
    # every row ends in a line break (\n, \r\n or \r) or the text's end: an upper bound on the rows, so X is
    # allocated once
    X = np.empty((text.count("\n") + text.count("\r") + 1, len(features)), dtype=np.float64)
    codes, seen, code_of = array("i"), {}, {}
    m = 0
    for number, cells in data:
        if len(cells) != width:
            raise DatasetError(f"{path}, row {number}: {len(cells)} cells, but {reference} has {width} "
                               f"({kind}-separated); every row needs one cell a column")
        X[m] = [_feature(path, number, names, i, cells[i], decimal_comma) for i in features]
        cell = cells[label]
        if _is_missing(cell):
            raise DatasetError(f"{path}, row {number}, {column_name(names, label)}: the class is missing "
                               "(every row needs its class in the label column)")
        code = code_of.get(cell)
        if code is None:
            if len(seen) >= MAX_CLASSES:
                raise DatasetError(f"{path}, row {number}, {column_name(names, label)}: more than {MAX_CLASSES} "
                                   f"different values; nnviz takes at most {MAX_CLASSES} classes: is this really "
                                   "the label column?")
            seen[cell] = number
            code = code_of[cell] = len(seen) - 1
        codes.append(code)
        m += 1
    del data, rows, text
    if m < 2:
        raise DatasetError(f"{path} has a single data row (row {next(iter(seen.values()))}): expected enough "
                           "rows for a training and a test part")
    y, class_names = _classes(path, codes, seen, column_name(names, label))
    del codes
    try:
        X_train, y_train, X_test, y_test = train_test_split(X[:m], y, float(test_fraction), seed)
    except ValueError as exc:
        raise DatasetError(f"{path}: {exc}") from None
    del X, y
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 1e-12 * np.maximum(1.0, np.abs(mean)), std, 1.0)
    parts = []
    for part in (X_train, X_test):           # copies made by the split: standardised in place
        part -= mean
        part /= std
        parts.append(part.astype(np.float32))
    del X_train, X_test
    return Dataset(
        parts[0], y_train, parts[1], y_test, class_names, (len(features),),
        name=name or path.stem, source=str(path), feature_names=[names[i] for i in features],
        feature_mean=mean, feature_std=std,
        details={"columns": names, "label_column": names[label], "header": has_header,
                 "delimiter": kind, "rows": m})


__all__ = ["read_table", "sniff_delimiter", "looks_like_table", "MAX_TABLE_BYTES"]
