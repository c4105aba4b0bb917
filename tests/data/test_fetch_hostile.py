"""Fetch against a hostile server (issue 13): trickles are cancellable and time-limited, nothing is left."""

import hashlib
import http.server
import os
import stat
import threading
import time

import pytest

from nnviz.data import DatasetError, RemoteFile
from nnviz.data import fetch as fetch_module
from nnviz.data.fetch import DownloadCancelled, download_file
from nnviz.engine.atomic import user_default_mode

PAYLOAD = b"0123456789" * 100


class Trickle(http.server.BaseHTTPRequestHandler):
    """Announces PAYLOAD, then sends 2 bytes every 0.1 s (or everything at once for /fast)."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        try:
            if self.path.endswith("/fast/data.bin"):
                self.wfile.write(PAYLOAD)
                return
            for i in range(0, len(PAYLOAD), 2):
                self.wfile.write(PAYLOAD[i:i + 2])
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


REMOTE = RemoteFile("data.bin", hashlib.sha256(PAYLOAD).hexdigest(), len(PAYLOAD))


def test_a_trickle_is_cancelled_between_reads(tmp_path, server):
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    start = time.monotonic()
    with pytest.raises(DownloadCancelled, match="cancelled"):
        download_file(REMOTE, tmp_path / "dest", [server], timeout=5, should_stop=stop)
    assert time.monotonic() - start < 2
    assert os.listdir(tmp_path / "dest") == []


def test_a_trickle_is_given_up(tmp_path, server, monkeypatch):
    monkeypatch.setattr(fetch_module, "STALL_WINDOW", 0.5)
    monkeypatch.setattr(fetch_module, "MIN_RATE", 100)
    start = time.monotonic()
    with pytest.raises(DatasetError, match="sends too slowly"):
        download_file(REMOTE, tmp_path / "dest", [server], timeout=5)
    assert time.monotonic() - start < 3
    assert os.listdir(tmp_path / "dest") == []


def test_stale_part_files_are_cleaned_and_files_get_the_default_mode(tmp_path, server):
    dest = tmp_path / "dest"
    dest.mkdir()
    stale = dest / ".data.bin.k1ll3d.part"
    stale.write_bytes(b"half a download")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    path = download_file(REMOTE, dest, [server + "fast/"], timeout=5)
    assert path.read_bytes() == PAYLOAD
    assert os.listdir(dest) == ["data.bin"]
    assert stat.S_IMODE(path.stat().st_mode) == user_default_mode()
