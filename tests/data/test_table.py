"""CSV / TSV tables (nnviz.data.table): a real public table, bad tables named by row and column, fuzzing."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from nnviz.data import DatasetError, train_test_split
from nnviz.data.table import MAX_TABLE_BYTES, read_table, sniff_delimiter

IRIS = Path(__file__).parent / "tables" / "iris.csv"


def _iris_rows():
    """The fixture read with the standard library's csv module (an independent parser)."""
    with open(IRIS, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write(tmp_path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the real table -----------------------------------------------------------------------
def test_iris_fixture_is_fishers_table():
    """150 rows, 50 per species, and the column means Fisher published (5.843, 3.057, 3.758, 1.199)."""
    header, rows = _iris_rows()
    assert header == ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    assert len(rows) == 150
    values = np.array([[float(c) for c in r[:4]] for r in rows])
    np.testing.assert_allclose(values.mean(axis=0), [5.843, 3.057, 3.758, 1.199], atol=6e-4)
    species = [r[4] for r in rows]
    assert {s: species.count(s) for s in set(species)} == {"setosa": 50, "versicolor": 50, "virginica": 50}


def test_iris_reads_split_and_standardises_with_training_statistics():
    ds = read_table(IRIS, test_fraction=0.2, seed=3)
    header, rows = _iris_rows()
    raw = np.array([[float(c) for c in r[:4]] for r in rows])
    names = sorted({r[4] for r in rows})
    y = np.array([names.index(r[4]) for r in rows])
    Xtr, ytr, Xte, yte = train_test_split(raw, y, 0.2, 3)       # the same seeded split, on the raw values
    assert ds.class_names == ["setosa", "versicolor", "virginica"]
    assert ds.input_shape == (4,) and ds.input_kind == "table"
    assert ds.feature_names == header[:4]
    np.testing.assert_array_equal(ds.y_train, ytr)
    np.testing.assert_array_equal(ds.y_test, yte)
    np.testing.assert_allclose(ds.feature_mean, Xtr.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(ds.feature_std, Xtr.std(axis=0), rtol=1e-12)
    np.testing.assert_allclose(ds.X_test, (Xte - Xtr.mean(0)) / Xtr.std(0), rtol=1e-5, atol=1e-6)
    # the test rows' statistics did not leak in: the test part is not exactly standardised
    assert np.abs(ds.X_test.mean(axis=0)).max() > 1e-3
    assert ds.X_train.dtype == np.float32


def test_iris_trains_to_ninety_percent_test_accuracy():
    from nnviz.lab.config import RunConfig

    ds = read_table(IRIS, test_fraction=0.2, seed=0)
    config = RunConfig(layers=[{"type": "Dense", "units": 8, "activation": "relu"},
                               {"type": "Dense", "units": 3, "activation": "softmax"}],
                       loss="categorical_crossentropy", optimizer={"name": "adam", "lr": 0.01}, seed=0)
    model = config.build_model(ds.input_shape)
    model.fit(ds.X_train, ds.y_train, optimizer=config.build_optimizer(), epochs=100, batch_size=16)
    accuracy = model.evaluate(ds.X_test, ds.y_test)["accuracy"]
    print(f"iris test accuracy {accuracy:.3f} on {len(ds.y_test)} test rows")
    assert accuracy >= 0.9


def test_tab_semicolon_no_header_label_by_name_and_numeric_labels(tmp_path):
    rows = [(1.0, 2.0, 0), (2.0, 1.0, 1), (3.0, 0.5, 0), (0.5, 3.0, 1), (1.5, 1.5, 2)]
    tsv = write(tmp_path, "\n".join("\t".join(str(v) for v in r) for r in rows), "t.tsv")
    ds = read_table(tsv, test_fraction=0.4, seed=0)
    assert ds.details["delimiter"] == "tab" and ds.details["header"] is False
    assert ds.class_names == ["0", "1", "2"] and ds.input_shape == (2,) and ds.input_kind == "points"
    semi = write(tmp_path, "a;label;b\n1,5;x;2\n2,5;y;3\n3,5;x;1\n", "s.csv")   # decimal commas
    ds = read_table(semi, label_column="label", test_fraction=0.3, seed=1)
    assert ds.details["delimiter"] == "semicolon" and ds.feature_names == ["a", "b"]
    assert ds.class_names == ["x", "y"]
    raw, y = np.array([[1.5, 2.0], [2.5, 3.0], [3.5, 1.0]]), np.array([0, 1, 0])
    Xtr, ytr, _, _ = train_test_split(raw, y, 0.3, 1)
    np.testing.assert_allclose(ds.feature_mean, Xtr.mean(axis=0))
    np.testing.assert_array_equal(ds.y_train, ytr)
    # labels ordered numerically, not as text: 10 after 9
    nums = write(tmp_path, "x,y\n" + "\n".join(f"{i},{c}" for i, c in enumerate([9, 10, 9, 10, 2])), "n.csv")
    assert read_table(nums, test_fraction=0.4).class_names == ["2", "9", "10"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings(tmp_path, newline):
    path = tmp_path / "e.csv"
    path.write_bytes(newline.join(["x,y,c", "1,2,a", "2,1,b", "3,3,a", "0,1,b"]).encode() + newline.encode())
    ds = read_table(path, test_fraction=0.5, seed=0)
    assert len(ds.y_train) + len(ds.y_test) == 4 and ds.feature_names == ["x", "y"]


def test_sniff_delimiter():
    assert sniff_delimiter(["a,b,c", "1,2,3"]) == ","
    assert sniff_delimiter(["a\tb", "1,5\t2"]) == "\t"
    assert sniff_delimiter(["a;b;c", "1,5;2,5;3"]) == ";"


# --- bad tables: one sentence naming row and column ------------------------------------------------
BAD = {
    "non-numeric": ("x,y,label\n1,2,a\n3,oops,b\n", ["row 3", "column 'y'", "'oops' is not a number"]),
    "missing": ("x,y,label\n1,2,a\n3,,b\n4,5,a\n", ["row 3", "column 'y'", "missing value"]),
    "missing NA": ("x,y,label\n1,2,a\n3,4,b\nNA,5,a\n", ["row 4", "column 'x'", "missing value"]),
    "one class": ("x,y,label\n1,2,a\n3,4,a\n5,6,a\n", ["column 'label'", "same class", "'a'"]),
    "ragged": ("x,y,label\n1,2,a\n3,4,b\n5,6\n", ["row 4", "2 cells", "the header (row 1) has 3"]),
    "empty": ("", ["is empty"]),
    "blank lines only": ("\n\n  \n", ["is empty"]),
    "header only": ("x,y,label\n", ["header row but no data rows"]),
    "no header, missing": ("1,2,0\n3,,1\n", ["row 2", "column 2", "missing value"]),
    "label measurement": ("x,label\n1,0.5\n2,1.5\n", ["row 2", "column 'label'", "not a class"]),
    "missing class": ("x,label\n1,a\n2,\n3,b\n", ["row 3", "column 'label'", "class is missing"]),
    "infinite": ("x,y,label\n1,inf,a\n3,4,b\n", ["row 2", "column 'y'", "not a finite number"]),
    "one column": ("x\n1\n2\n", ["single column"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_tables_name_row_and_column(tmp_path, case):
    text, expected = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(DatasetError) as info:
        read_table(path)
    message = str(info.value)
    for part in expected:
        assert part in message, f"{case}: {part!r} not in {message!r}"
    assert str(path) in message and "\n" not in message


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path):
    path = write(tmp_path, "x,y,label\n1,2,a\n\n3,4,b\n5,six,a\n")
    with pytest.raises(DatasetError, match=r"row 5, column 'y'"):
        read_table(path)


def test_unknown_label_column_and_binary_file(tmp_path):
    path = write(tmp_path, "x,y,label\n1,2,a\n3,4,b\n")
    with pytest.raises(DatasetError, match="no column named 'kind'.*'x', 'y', 'label'"):
        read_table(path, label_column="kind")
    blob = tmp_path / "b.csv"
    blob.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(DatasetError, match="binary data"):
        read_table(blob)


def test_size_limit_is_checked_before_reading(tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.truncate(MAX_TABLE_BYTES + 1)          # sparse: nothing is written, nothing must be read
    with pytest.raises(DatasetError, match="MiB"):
        read_table(big)


def test_fuzzed_tables_raise_only_dataset_errors(tmp_path):
    """Random mutations of a good table: either a dataset with finite values or one DatasetError sentence."""
    rng = np.random.default_rng(12)
    lines = IRIS.read_bytes().splitlines(keepends=True)
    base = b"".join(lines[:1] + lines[1::6])
    alphabet = b",;\t\n\r\"' -.e0123456789abcNA\x00\xff"
    outcomes = {"ok": 0, "error": 0}
    for i in range(300):
        data = bytearray(base)
        for _ in range(int(rng.integers(0, 4))):
            pos = int(rng.integers(0, len(data)))
            op = rng.integers(0, 3)
            if op == 0:
                data[pos] = alphabet[int(rng.integers(0, len(alphabet)))]
            elif op == 1:
                del data[pos:pos + int(rng.integers(1, 40))]
            else:
                data[pos:pos] = bytes(alphabet[int(k)] for k in rng.integers(0, len(alphabet), 5))
        path = tmp_path / f"f{i}.csv"
        path.write_bytes(bytes(data))
        try:
            ds = read_table(path, test_fraction=0.3, seed=i)
        except DatasetError as exc:
            assert str(exc) and "Traceback" not in str(exc)
            outcomes["error"] += 1
            continue
        assert np.isfinite(ds.X_train).all() and np.isfinite(ds.X_test).all()
        assert ds.n_classes >= 2 and ds.y_train.max() < ds.n_classes
        outcomes["ok"] += 1
    assert outcomes["ok"] > 0 and outcomes["error"] > 0, outcomes


def test_memory_stays_within_a_few_times_the_file_size(tmp_path):
    """The worst case for a parser: the shortest cells ("1,2" rows). Peak Python + NumPy allocations
    (tracemalloc sees both) stay under 12 × the file's size."""
    import tracemalloc

    rows = 200_000
    path = tmp_path / "tiny.csv"
    path.write_text("".join(f"{i % 7},{i % 2}\n" for i in range(rows)))
    size = path.stat().st_size
    tracemalloc.start()
    try:
        ds = read_table(path, test_fraction=0.5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(ds.y_train) + len(ds.y_test) == rows
    print(f"\n{size:,}-byte table of {rows:,} rows: peak {peak:,} bytes = {peak / size:.1f} × the file")
    assert peak < 12 * size
