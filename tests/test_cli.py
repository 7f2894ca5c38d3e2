import json

import pytest

from indexer.cli import main


def test_parse_prints_json_lines(capsys):
    assert main(["parse"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 37
    item = json.loads(lines[0])
    for key in (
        "id",
        "date_start",
        "date_end",
        "date_raw",
        "title",
        "body",
        "source",
        "image_credit",
        "countries",
        "programmes",
        "themes",
    ):
        assert key in item


def test_parse_bad_input_exits_2_with_the_file_on_stderr(tmp_path, capsys):
    page = tmp_path / "bad.txt"
    page.write_text("31.02.2019: An impossible day\n\nBody.\n")
    assert main(["parse", str(page)]) == 2
    err = capsys.readouterr().err
    assert "bad.txt:1" in err


def test_build_update_and_search(tmp_path, capsys, caplog):
    caplog.set_level("INFO")
    index = str(tmp_path / "index")
    assert main(["build", "--index", index]) == 0
    assert "37 documents" in capsys.readouterr().out
    # Not on a terminal: the progress is told in plain log lines.
    assert "parsed 37/37 items" in caplog.text and "written 37/37 items" in caplog.text
    assert main(["update", "--index", index]) == 0
    assert "added 0, changed 0, removed 0, unchanged 37" in capsys.readouterr().out
    assert main(["search", "wildlife", "--index", index, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["total"] == 6
    assert main(["search", "trafficking", "--index", index, "--country", "Iraq", "--organisation", "UNICEF"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "1 items (page 1 of 1)"
    assert out[1] == (
        "  2019-04-11  ICAT Policy Exchange with the EU Anti-Trafficking Coordinator  "
        "[2019-04-11-icat-policy-exchange-with-the-eu-anti-trafficking-451327]"
    )


def test_a_broken_source_leaves_the_index_untouched(tmp_path, capsys):
    index = tmp_path / "index"
    assert main(["build", "--index", str(index)]) == 0
    before = (index / "current").readlink()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["update", "--index", str(index), str(bad)]) == 2
    assert "bad.txt" in capsys.readouterr().err
    assert (index / "current").readlink() == before


def test_search_without_an_index_says_to_build(tmp_path, capsys):
    assert main(["search", "x", "--index", str(tmp_path / "none")]) == 2
    assert "newsearch build" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["search", "x", "--from", "2019-13"], ["search", "x", "--per-page", "0"]])
def test_search_bad_parameters_exit_2(tmp_path, capsys, argv):
    index = str(tmp_path / "index")
    main(["build", "--index", index])
    capsys.readouterr()
    assert main(argv + ["--index", index]) == 2
    assert capsys.readouterr().err
