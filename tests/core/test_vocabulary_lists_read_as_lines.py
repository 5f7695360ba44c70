"""Word lists are read whole (vocabulary._read) with the meaning of reading them line by line:
each line's words, lower case, up to its #."""

from __future__ import annotations

from pathlib import Path

from radshare.core.deid.vocabulary import _read, folder_path


def _line_by_line(path: Path) -> set[str]:
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        words.update(w.lower() for w in line.split("#", 1)[0].split())
    return words


def test_every_bundled_list_reads_as_line_by_line():
    lists = sorted(folder_path().glob("*.txt"))
    assert len(lists) >= 5
    for path in lists:
        assert _read(path) == _line_by_line(path), path.name


def test_a_personal_list_with_odd_line_ends_reads_the_same(tmp_path):
    path = tmp_path / "vocabulary.txt"
    path.write_text("Baker # a surname\x1cTendon\r\nCyst#not this\u2028ÖDEM\n\t sinus  # c\n# only a comment\n", encoding="utf-8")
    assert _read(path) == _line_by_line(path) == {"baker", "tendon", "cyst", "ödem", "sinus"}
