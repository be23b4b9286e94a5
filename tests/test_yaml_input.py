import pytest

from simulator.errors import ScenarioError, YamlFileNotFoundError, YamlInputError
from simulator.yaml_input import MAX_DEPTH, MAX_YAML_BYTES, parse_yaml, read_yaml


def test_reads_a_mapping(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("name: 宜宾\nlevers: {a: 1, b: [1, 2]}\nx: &x [1]\ny: *x\n", encoding="utf-8")
    assert read_yaml(path) == {"name": "宜宾", "levers": {"a": 1, "b": [1, 2]}, "x": [1], "y": [1]}
    assert parse_yaml(b"a: 1") == {"a": 1}
    assert parse_yaml("- 1\n- 2\n", mapping=False) == [1, 2]
    assert parse_yaml("", mapping=False) is None


def test_error_types():
    assert issubclass(YamlInputError, ScenarioError) and issubclass(YamlInputError, ValueError)
    assert issubclass(YamlFileNotFoundError, YamlInputError)
    assert issubclass(YamlFileNotFoundError, FileNotFoundError)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(YamlFileNotFoundError, match=f"^scenario file not found: '{path}'$"):
        read_yaml(path, "scenario file")


def test_directory(tmp_path):
    with pytest.raises(YamlInputError, match=r": is a directory, not a sweep spec$"):
        read_yaml(tmp_path, "sweep spec")


def test_not_utf8(tmp_path):
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"a: \xff\xfe\n")
    message = r"bin.yaml: not UTF-8 text \(invalid start byte at byte 3\)$"
    with pytest.raises(YamlInputError, match=message):
        read_yaml(path)


def test_over_size_limit(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" + "#" * MAX_YAML_BYTES)
    message = r"big.yaml: \d+ bytes is larger than the 1000000-byte limit$"
    with pytest.raises(YamlInputError, match=message):
        read_yaml(path)
    with pytest.raises(YamlInputError, match=r"^upload: larger than the 1000000-byte limit$"):
        parse_yaml(b"#" * (MAX_YAML_BYTES + 1), "upload")


def test_syntax_error_gives_line_and_column():
    with pytest.raises(YamlInputError, match=r"^s.yaml: not valid YAML at line 2, column 1: "):
        parse_yaml("a: [1, 2\n", "s.yaml")
    with pytest.raises(YamlInputError) as info:
        parse_yaml("a: 1\n\tb: 2\n", "t.yaml")
    assert "\n" not in str(info.value)


def test_too_deep_nesting():
    text = "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(YamlInputError, match=r"^d.yaml: nested deeper than 100 levels at line 1"):
        parse_yaml(text, "d.yaml")
    very_deep = "[" * 200_000 + "]" * 200_000  # refused before it can exhaust the stack
    with pytest.raises(YamlInputError, match="nested deeper than 100 levels"):
        parse_yaml(very_deep, "d.yaml", mapping=False)
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_yaml(ok, mapping=False) is not None


def test_alias_bomb_is_refused():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]")
    message = r"^bomb.yaml: its aliases expand to more than 1000000 nodes"
    with pytest.raises(YamlInputError, match=message):
        parse_yaml("\n".join(lines), "bomb.yaml")
    # a few aliases are fine
    assert parse_yaml("\n".join(lines[:3]))["c"][0][0] == ["x"] * 10


def test_recursive_alias_is_refused():
    message = r"^r.yaml: an alias refers to a node that contains it$"
    with pytest.raises(YamlInputError, match=message):
        parse_yaml("a: &a [1, *a]", "r.yaml")


@pytest.mark.parametrize(
    ("text", "kind"), [("- 1\n- 2\n", "list"), ("just text", "string"), ("3", "int")]
)
def test_top_level_must_be_a_mapping(text, kind):
    message = f"^m.yaml: the top level must be a mapping of keys to values, not a {kind}$"
    with pytest.raises(YamlInputError, match=message):
        parse_yaml(text, "m.yaml")


def test_empty_document_when_a_mapping_is_expected():
    with pytest.raises(YamlInputError, match=r"^e.yaml: the document is empty"):
        parse_yaml("# only a comment\n", "e.yaml")
