"""Tests of ``simulator.app_logic.error_text``: the checks' English lines in Chinese (#20.8).

The bad uploads are covered page by page in ``test_upload_errors.py``; here the other lines a
planner can meet in the app: a shared link's and the own-data form's.
"""

from __future__ import annotations

import pytest

from simulator.app_logic import user_data
from simulator.app_logic.error_text import error_line, untranslated
from simulator.app_logic.share_link import decode_link
from simulator.engine.model import load_model
from simulator.errors import ScenarioError

BAD_LINKS = [
    {"region": "mars"}, {"region": "suining", "preset": "dream"},
    {"region": "suining", "incubator_capacty": "5"}, {"region": "suining", "year": "1990"},
    {"region": "suining", "incubator_capacity": "lots"},
    {"region": "suining", "incubator_capacity.start": "2010"},
    {"region": "suining", "incubator_capacity.ramp": "99"},
    {"yaml": "not*base64"}, {"yaml": "eJzLKi0usVIoSa0oAQAVbgPm"},
]
BAD_FORMS = [
    lambda: user_data.check_figure("gdpp", 2024, 1.0, "x.gov.cn"),
    lambda: user_data.check_figure("gdp", 1800, 1.0, "x.gov.cn"),
    lambda: user_data.check_figure("gdp", 2024, -1.0, "x.gov.cn"),
    lambda: user_data.check_figure("gdp", 2024, 1.0, ""),
    lambda: user_data.check_target("gdp", 2025, 1.0, "roughly"),
]


@pytest.mark.parametrize("params", BAD_LINKS)
def test_a_bad_links_line_is_all_chinese(params):
    with pytest.raises(ScenarioError) as caught:
        decode_link(params, load_model())
    chinese = error_line(str(caught.value), "zh")
    assert not untranslated(chinese), (str(caught.value), chinese)
    assert chinese.startswith("链接:")


@pytest.mark.parametrize("check", BAD_FORMS)
def test_a_bad_own_data_entry_is_all_chinese(check):
    with pytest.raises((ScenarioError, TypeError, ValueError)) as caught:
        check()
    english = str(caught.value.args[0])
    chinese = error_line(english, "zh")
    assert not untranslated(chinese), (english, chinese)
    assert chinese != english


def test_english_stays_as_it_is_and_an_unknown_sentence_is_marked():
    line = "bad.yaml: time_step must be finite, got nan"
    assert error_line(line, "en") == line
    assert error_line(line, "zh") == "bad.yaml: “time_step” 必须是有限数,实际为非数"
    odd = error_line("the moon is made of cheese", "zh")
    assert odd.endswith("(部分说明暂无中文)") and untranslated(odd) == [
        "the", "moon", "made", "cheese"]
