"""Discovery and reading: recursion, hidden files, symlinks in and out, compression, limits."""

from __future__ import annotations

import gzip
import os

import pytest

from cleaners.formats import ReadError
from conftest import seed_path
from running.inputs import MAX_FILE_BYTES, discover, read_input


@pytest.fixture
def tree(tmp_path):
    raw = tmp_path / "raw"
    (raw / "sub" / "deeper").mkdir(parents=True)
    (raw / ".hidden").mkdir()
    seed = seed_path("000").read_bytes()
    (raw / "a.txt").write_bytes(seed)
    (raw / "sub" / "deeper" / "b.html").write_bytes(b"<p>x</p>")
    (raw / "sub" / "c.txt.gz").write_bytes(gzip.compress(seed))
    (raw / ".secret.txt").write_bytes(b"hidden")
    (raw / ".hidden" / "d.txt").write_bytes(b"hidden")
    (tmp_path / "outside.txt").write_bytes(b"outside")
    os.symlink(tmp_path / "outside.txt", raw / "out-link.txt")
    os.symlink(raw / "a.txt", raw / "in-link.txt")
    os.symlink(tmp_path, raw / "out-folder")
    return raw


def test_discovery(tree):
    found = {f.path: f.problem for f in discover(tree)}
    assert set(found) == {"a.txt", "in-link.txt", "out-link.txt", "out-folder",
                          "sub/c.txt.gz", "sub/deeper/b.html"}
    assert found["a.txt"] is None and found["in-link.txt"] is None
    assert found["out-link.txt"][0] == "outside-raw"
    assert found["out-folder"][0] == "outside-raw"


def test_gzip_is_read(tree):
    raw = read_input(tree, "sub/c.txt.gz")
    assert raw.format == "text" and raw.compression == "gzip"
    assert raw.data == seed_path("000").read_bytes()


def test_gzip_by_content_under_a_plain_name(tree):
    (tree / "plain.txt").write_bytes(gzip.compress(b"hello world"))
    assert read_input(tree, "plain.txt").data == b"hello world"


def test_gzip_bomb_stops_at_the_limit(tmp_path):
    bomb = tmp_path / "bomb.txt.gz"
    with gzip.open(bomb, "wb") as f:
        for _ in range(64):
            f.write(bytes(1024 * 1024))  # 64 MB of zeros, 64 KB on disk
    with pytest.raises(ReadError) as err:
        read_input(tmp_path, "bomb.txt.gz", MAX_FILE_BYTES, 8 * 1024 * 1024)
    assert err.value.reason == "too-large"


def test_unsupported_format(tree):
    (tree / "x.pdf").write_bytes(b"%PDF-1.7")
    with pytest.raises(ReadError) as err:
        read_input(tree, "x.pdf")
    assert err.value.reason == "unsupported-format"


def test_truncated_gzip(tree):
    (tree / "t.txt.gz").write_bytes(gzip.compress(b"hello " * 1000)[:40])
    with pytest.raises(ReadError) as err:
        read_input(tree, "t.txt.gz")
    assert err.value.reason == "corrupt-compression"


def test_file_size_limit(tree):
    with pytest.raises(ReadError) as err:
        read_input(tree, "a.txt", 100, MAX_FILE_BYTES)
    assert err.value.reason == "too-large" and "100-byte limit" in err.value.detail
