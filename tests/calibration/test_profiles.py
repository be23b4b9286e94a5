"""A corrupt profile file gives a ValueError naming the file, the problem and what is expected."""

from __future__ import annotations

import pytest

from simulator.data.profile import load_profile

EXPECTED = (
    "expected a calibration profile: a mapping with keys 'region', 'base_year', 'fit_until'"
    " and 'parameters'"
)


@pytest.mark.parametrize(
    "content, problem",
    [
        (
            "region: ningxia\nparameters: {gdp_growth_rate: [\n",
            r"not valid YAML at line \d+, column \d+: ",
        ),
        ("region: ningxia\n\tbase_year: 2017\n", "not valid YAML at line 2, column 1: "),
        ("", r"malformed profile: it holds nothing \(an empty document\)"),
        ("- region\n- base_year\n", "malformed profile: it holds a list"),
        ("just text\n", "malformed profile: it holds a str"),
        ("region: ningxia\nbase_year: 2017\n", "malformed profile: no 'fit_until', 'parameters'"),
        (
            "region: ningxia\nbase_year: 2017\nfit_until: 2022\n"
            "parameters: {gdp_growth_rate: 0.07}\n",
            r"malformed profile \(TypeError: .*\)",
        ),
        (
            "region: ningxia\nbase_year: 2017\nfit_until: 2022\nparameters: [gdp_growth_rate]\n",
            r"malformed profile \(AttributeError: .*\)",
        ),
    ],
    ids=[
        "unclosed",
        "tab",
        "empty",
        "list",
        "scalar",
        "missing-keys",
        "bare-value",
        "parameter-list",
    ],
)
def test_corrupt_profile_is_a_clear_value_error(tmp_path, content, problem):
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=f"broken.yaml: {problem}.*; {EXPECTED}") as info:
        load_profile(path)
    assert "\n" not in str(info.value)


def test_profile_that_is_not_utf8_is_a_clear_value_error(tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"region: \xff\xfe\x00\x01\n")
    with pytest.raises(ValueError, match=f"binary.yaml: not UTF-8 text .*; {EXPECTED}"):
        load_profile(path)


def test_a_repaired_profile_loads(tmp_path):
    """The parse error is not cached: the file, once fixed, is read again."""
    path = tmp_path / "p.yaml"
    path.write_text("region: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_profile(path)
    path.write_text(
        "region: x\nbase_year: 2017\nfit_until: 2022\n"
        "parameters: {gdp_growth_rate: {value: 0.07}}\n",
        encoding="utf-8",
    )
    assert load_profile(path).values == {"gdp_growth_rate": 0.07}


def test_saving_a_profile_that_differs_only_in_its_date_leaves_the_file_alone(tmp_path):
    """``calibrate`` must not rewrite a tracked profile when only ``provenance.created`` changes."""
    import dataclasses

    from simulator.data.profile import save_profile
    from simulator.paths import profile_file

    path = tmp_path / "ningxia.yaml"
    path.write_bytes(profile_file("ningxia").read_bytes())
    before = path.read_bytes()
    profile = load_profile(path)
    redated = dataclasses.replace(
        profile, provenance={**profile.provenance, "created": "1999-01-01"}
    )
    save_profile(redated, path)
    assert path.read_bytes() == before
    changed = dataclasses.replace(profile, fit_until=profile.fit_until - 1)
    save_profile(changed, path)
    assert path.read_bytes() != before
    assert load_profile(path).fit_until == profile.fit_until - 1
