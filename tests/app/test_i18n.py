"""Tests of ``simulator.i18n``: every interface string in both languages."""

from __future__ import annotations

import string

import pytest

from simulator.i18n import LANGUAGES, STRINGS, t


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_every_string_has_chinese_and_english_with_the_same_fields(key):
    """Every string has chinese and english with the same fields."""
    zh, en = STRINGS[key]
    assert zh.strip() and en.strip()
    fields = [
        {name for _, name, _, _ in string.Formatter().parse(text) if name} for text in (zh, en)
    ]
    assert fields[0] == fields[1]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), f"{key!r} has no Chinese text"


def test_languages_and_lookup():
    """Languages and lookup."""
    assert set(LANGUAGES) == {"zh", "en"}
    assert t("page_compare", "zh") == "情景比较" and t("page_compare", "en") == "Compare"
    assert t("loops_found", "en", n=3, k=8) == "3 loops found (length up to 8)."


def test_unknown_key_and_language():
    """Unknown key and language."""
    with pytest.raises(KeyError, match="did you mean 'region'"):
        t("regoin", "zh")
    with pytest.raises(ValueError, match="'fr' is not a valid language"):
        t("region", "fr")
