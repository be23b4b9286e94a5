"""Every kind of bad upload is one error box in the page, never an exception (#22).

The files are cases of the bad-input corpus (tests/bad_inputs/cases.yaml): a scenario case is
uploaded on the share page, an observations case on the data page, and the box must hold the
fragment the command line's one line holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from test_bad_inputs import BAD, CASES, materialise

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from simulator.app_logic.error_text import error_line, untranslated  # noqa: E402

TIMEOUT = 120
#: One scenario case of each kind: alias bombs, deep nesting, huge numbers, duplicate keys,
#: encodings, sizes, wrong types, bad years, levers and targets.
SCENARIO_CASES = [
    "bomb-9x10", "bomb-30x2", "alias-self", "brackets-20000", "braces-20000", "big-int",
    "lever-huge-int", "ts-huge-int", "dup-key", "dup-nested", "binary", "utf16-bom",
    "empty-file", "top-list", "too-large", "name-list", "lever-key-1", "lever-key-tilde",
    "targets-5", "ts-2e-30", "ts-nan", "step-year-99999", "yearly-fraction",
    "lever-type-unknown", "target-unknown-indicator", "start-text", "python-tag",
]
OBSERVATION_CASES = [c["id"] for c in CASES if c["id"].startswith("csv-") and c.get("files")
                     and "--holdout" not in c["argv"] and not c["id"].endswith("directory")]
BY_ID = {c["id"]: c for c in CASES}


def _upload_bytes(case_id: str, tmp_path: Path) -> bytes:
    case = BY_ID[case_id]
    argv = materialise(case, tmp_path)
    path = next(Path(a) for a in argv if a.startswith((str(tmp_path), str(BAD))))
    return path.read_bytes()


def _page(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    at.switch_page(f"app/pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _english_line(page: str, content: bytes, name: str) -> str:
    """The one line the check itself gives (the command line prints it as it is)."""
    from simulator.data.observations import load_observations_upload
    from simulator.scenario import scenario_from_yaml

    try:
        if page == "share":
            scenario_from_yaml(content, source=name)
        else:
            load_observations_upload(content, name)
    except (ValueError, TypeError, KeyError, OSError) as error:  # UnknownNameError: KeyError
        return str(error.args[0]) if error.args else str(error)
    raise AssertionError("the file was accepted")


def _assert_one_error_box(at: AppTest, expect: str) -> None:
    assert not at.exception, at.exception
    assert len(at.error) == 1, [e.value for e in at.error]
    assert expect in at.error[0].value, at.error[0].value
    assert "Traceback" not in at.error[0].value


def _upload(page: str, key: str, case_id: str, tmp_path: Path, name: str) -> AppTest:
    """Upload a bad file to the zh page: one box, the check's line in Chinese (#20.8)."""
    at = _page(page)
    content = _upload_bytes(case_id, tmp_path)
    at.file_uploader(key=key).set_value((name, content, "application/octet-stream")).run()
    english = _english_line(page, content, name)
    assert BY_ID[case_id]["expect"] in english, english  # what the command line says
    chinese = error_line(english, "zh")
    assert not untranslated(chinese), (english, chinese)
    _assert_one_error_box(at, chinese)
    return at


@pytest.mark.parametrize("case_id", SCENARIO_CASES)
def test_a_bad_scenario_upload_is_one_error_box(case_id, tmp_path):
    _upload("share", "_upload", case_id, tmp_path, "bad.yaml")


@pytest.mark.parametrize("case_id", OBSERVATION_CASES)
def test_a_bad_observations_upload_is_one_error_box(case_id, tmp_path):
    at = _upload("data_sources", "_obs_upload", case_id, tmp_path, "mine.csv")
    assert "mine.csv" in at.error[0].value  # the file is named, not a temporary path


def test_a_good_observations_upload_is_counted():
    from simulator.data.observations import load_observations

    at = _page("data_sources")
    content = (ROOT / "simulator" / "data" / "observations.csv").read_bytes()
    at.file_uploader(key="_obs_upload").set_value(("obs.csv", content, "text/csv")).run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [f"obs.csv:{len(load_observations())} 行有效数据"]


def test_an_upload_refits_the_region_and_no_packaged_file_changes():
    """#18 point 9 in the app: the refit's tables and profile download; package files intact."""
    import hashlib

    from simulator.data.profile import profile_path

    packaged = [ROOT / "simulator" / "data" / "observations.csv", profile_path("suining")]
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in packaged]
    at = _page("data_sources")
    at.selectbox(key="_region").set_value("suining").run()
    content = ("region,indicator,year,value,unit,kind,bound,source,source_quote,weight,note\n"
               "Suining,high_tech_enterprises,2023,300,家,outcome,equal,example.gov.cn/x,"
               "高新技术企业300家,1,\n").encode("utf-8")
    at.file_uploader(key="_obs_upload").set_value(("mine.csv", content, "text/csv")).run()
    at.button(key="_own_refit").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    points = next(d.value for d in at.dataframe if "您的数据" in d.value.columns)
    assert points["您的数据"].tolist() == [300.0]
    assert points["软件包标定"].iloc[0] < points["重新标定"].iloc[0] < 300.0
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in packaged] == before
