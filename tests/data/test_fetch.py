"""Downloads from a local HTTP server on 127.0.0.1: checksums, mirrors, corruption, offline, cancel."""

import functools
import hashlib
import http.server
import shutil
import socket
import threading

import pytest

from nnviz.data import DatasetError, RemoteFile, fetch_dataset, load_dataset
from nnviz.data.fetch import DOWNLOADS, MNIST_FILES, DownloadCancelled, download_file


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        QuietHandler.requests.append(self.path)
        super().do_GET()


@pytest.fixture
def serve(tmp_path):
    """serve(folder) -> base URL of an HTTP server on 127.0.0.1 serving that folder."""
    servers = []

    def start(folder):
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}/"

    QuietHandler.requests = []
    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def _fake_files(folder, contents):
    folder.mkdir(parents=True, exist_ok=True)
    remotes = []
    for name, data in contents.items():
        (folder / name).write_bytes(data)
        remotes.append(RemoteFile(name, hashlib.sha256(data).hexdigest(), len(data)))
    return remotes


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_stored_t10k_checksums_match_the_shared_sha256sums(real_data_dir):
    sums_file = real_data_dir / "SHA256SUMS"
    if not sums_file.is_file():
        pytest.skip("no SHA256SUMS beside the real data")
    sums = dict(reversed(line.split()) for line in sums_file.read_text().splitlines() if line.strip())
    table = {f.name: f for f in MNIST_FILES}
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert table[name].sha256 == sums[name]
        assert table[name].size == (real_data_dir / name).stat().st_size
    assert [f.name for f in DOWNLOADS["mnist-10k"][0]] == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert len(DOWNLOADS["mnist"][0]) == 4


def test_fetch_real_t10k_files_from_a_local_mirror(real_data_dir, tmp_path, serve):
    if not (real_data_dir / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("the MNIST t10k files are not on this machine")
    mirror_dir = tmp_path / "mirror" / "mnist"
    mirror_dir.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(real_data_dir / name, mirror_dir)
    base = serve(tmp_path / "mirror")
    calls = []
    dest = tmp_path / "dest"
    paths = fetch_dataset("mnist-10k", data_dir=dest, mirrors=[base + "mnist/"],
                          progress=lambda name, done, total: calls.append((name, done, total)))
    assert [p.name for p in paths] == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert _leftovers(dest) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert (dest / name).read_bytes() == (real_data_dir / name).read_bytes()
        size = (real_data_dir / name).stat().st_size
        mine = [c for c in calls if c[0] == name]
        assert mine[0] == (name, 0, size) and mine[-1] == (name, size, size)
        assert all(a[1] <= b[1] for a, b in zip(mine, mine[1:], strict=False))
    assert len(load_dataset("mnist-10k", data_dir=dest).y_test) == 2000
    # a second fetch finds the files verified and downloads nothing
    QuietHandler.requests = []
    fetch_dataset("mnist-10k", data_dir=dest, mirrors=[base + "mnist/"])
    assert QuietHandler.requests == []


def test_fetch_mnist_with_its_own_file_table(tmp_path, serve):
    contents = {"train-images-idx3-ubyte.gz": b"fake train images" * 100, "train-labels-idx1-ubyte.gz": b"labels"}
    remotes = _fake_files(tmp_path / "mirror", contents)
    paths = fetch_dataset("mnist", data_dir=tmp_path / "dest", mirrors=[serve(tmp_path / "mirror")], files=remotes)
    assert [p.read_bytes() for p in paths] == list(contents.values())


def test_the_next_mirror_is_tried(tmp_path, serve, closed_port_url):
    remotes = _fake_files(tmp_path / "good", {"a.gz": b"payload"})
    empty = tmp_path / "empty"
    empty.mkdir()
    mirrors = [closed_port_url, serve(empty), serve(tmp_path / "good")]
    path = download_file(remotes[0], tmp_path / "dest", mirrors, timeout=5)
    assert path.read_bytes() == b"payload"


def test_checksum_mismatch_leaves_no_file(tmp_path, serve):
    good = b"the real file" * 50
    remote = RemoteFile("t10k-labels-idx1-ubyte.gz", hashlib.sha256(good).hexdigest(), len(good))
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    corrupted = bytearray(good)
    corrupted[100] ^= 0xFF
    (mirror / remote.name).write_bytes(bytes(corrupted))
    dest = tmp_path / "dest"
    with pytest.raises(DatasetError) as info:
        fetch_dataset("mnist-10k", data_dir=dest, mirrors=[serve(mirror)], files=[remote])
    message = str(info.value)
    assert "Could not download t10k-labels-idx1-ubyte.gz" in message
    assert "checksum mismatch" in message and hashlib.sha256(bytes(corrupted)).hexdigest() in message
    assert remote.sha256 in message and str(dest) in message
    assert _leftovers(dest) == []


def test_a_real_checksum_mismatch_against_the_stored_table(real_data_dir, tmp_path, serve):
    if not (real_data_dir / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip("the MNIST t10k files are not on this machine")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    data = bytearray((real_data_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    data[-10] ^= 0x01  # same size, one bit flipped
    (mirror / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(data))
    shutil.copy(real_data_dir / "t10k-images-idx3-ubyte.gz", mirror)
    dest = tmp_path / "dest"
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte.gz.*checksum mismatch"):
        fetch_dataset("mnist-10k", data_dir=dest, mirrors=[serve(mirror)])
    assert _leftovers(dest) == ["t10k-images-idx3-ubyte.gz"]


def test_offline_names_every_mirror_and_its_error(tmp_path, closed_port_url):
    other = closed_port_url.replace("/mnist/", "/other/")
    dest = tmp_path / "dest"
    with pytest.raises(DatasetError) as info:
        fetch_dataset("mnist", data_dir=dest, mirrors=[closed_port_url, other], timeout=5)
    message = str(info.value)
    assert "Could not download train-images-idx3-ubyte.gz: every mirror failed" in message
    assert closed_port_url + "train-images-idx3-ubyte.gz" in message and other + "train-images-idx3-ubyte.gz" in message
    assert message.count("cannot connect") == 2
    assert "Check the internet connection" in message
    assert _leftovers(dest) == []


def test_http_errors_and_wrong_sizes_are_reported(tmp_path, serve):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "b.gz").write_bytes(b"12345")
    base = serve(mirror)
    with pytest.raises(DatasetError, match="HTTP 404"):
        download_file(RemoteFile("a.gz", "0" * 64, 5), tmp_path / "dest", [base])
    with pytest.raises(DatasetError, match="announces 5 bytes, expected 9"):
        download_file(RemoteFile("b.gz", "0" * 64, 9), tmp_path / "dest", [base])
    assert _leftovers(tmp_path / "dest") == []


def test_a_file_with_the_wrong_checksum_is_replaced(tmp_path, serve):
    remotes = _fake_files(tmp_path / "mirror", {"a.gz": b"new and right"})
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "a.gz").write_bytes(b"old and wrong")
    download_file(remotes[0], dest, [serve(tmp_path / "mirror")])
    assert (dest / "a.gz").read_bytes() == b"new and right"


def test_cancel_removes_the_partial_file(tmp_path, serve):
    remotes = _fake_files(tmp_path / "mirror", {"big.gz": bytes(300_000)})
    dest = tmp_path / "dest"
    seen = []
    with pytest.raises(DownloadCancelled):
        download_file(remotes[0], dest, [serve(tmp_path / "mirror")],
                      progress=lambda n, done, total: seen.append(done), should_stop=lambda: len(seen) > 2)
    assert _leftovers(dest) == []


def test_what_cannot_be_fetched(tmp_path):
    with pytest.raises(DatasetError, match="cannot download the cats dataset.*deeplearning.ai"):
        fetch_dataset("cats", data_dir=tmp_path)
    with pytest.raises(ValueError, match="generated by nnviz"):
        fetch_dataset("moons", data_dir=tmp_path)
    with pytest.raises(ValueError, match="must be an http:// or https:// URL"):
        download_file(RemoteFile("a", "0" * 64), tmp_path, ["file:///etc/"])


def test_default_destination_is_the_environment_folder_then_the_user_folder(tmp_path, monkeypatch, serve,
                                                                             isolated_places):
    remotes = _fake_files(tmp_path / "mirror", {"a.gz": b"x"})
    base = serve(tmp_path / "mirror")
    [path] = fetch_dataset("mnist", mirrors=[base], files=remotes)
    assert path == isolated_places.user / "a.gz"
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path / "env"))
    [path] = fetch_dataset("mnist", mirrors=[base], files=remotes)
    assert path == tmp_path / "env" / "a.gz"
