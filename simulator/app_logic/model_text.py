"""The Model page's equations and source notes in the page's language.

模型页的中文:方程中的变量与函数名换成中文,来源注释给出依据类型、来源文件与原文摘录。

An equation names its variables by their Vensim names; in Chinese they are
the catalogue's Chinese names (``catalogue.yaml``'s ``variable_names_zh``)
and Vensim's functions their Chinese terms (:data:`FUNCTIONS_ZH`). A
variable's comment in the model file is English prose; the Chinese page
shows what a planner needs from it in Chinese words: what kind of figure it
is (an assumption, derived from data, calibrated), the sources it cites as
written (files, addresses) and the Chinese quotations it holds, and says
that the full note is on the English page.
"""

from __future__ import annotations

import re
from functools import lru_cache

from simulator import catalogue

#: Vensim's functions (and the time variables) as the Chinese page names them.
FUNCTIONS_ZH = {
    "IF THEN ELSE": "条件取值", "DELAY FIXED": "固定延迟", "INITIAL TIME": "初始时间",
    "FINAL TIME": "终止时间", "TIME STEP": "时间步长", "SMOOTHI": "带初值平滑",
    "SMOOTH": "平滑", "INTEG": "积分", "XIDZ": "安全除法", "ZIDZ": "安全除法(零)",
    "MIN": "最小值", "MAX": "最大值", "EXP": "指数", "LN": "自然对数", "ABS": "绝对值",
    "INITIAL": "初值", "Time": "时间",
}
#: The model's sketch views (sectors) by their Chinese names.
VIEWS_ZH = {"Economy": "经济", "RD finance": "研发投入与财税", "Enterprise cultivation": "企业培育",
            "Tech transfer": "技术转移", "High tech output": "高新技术产出"}
#: What a comment says its figure is, by the words it uses (first match wins).
KINDS_ZH = (
    ("assumption", "假设值(未经数据校准,见数据页的假设参数范围)"),
    ("assumed", "假设值(未经数据校准,见数据页的假设参数范围)"),
    ("calibrat", "按地区校准的参数"),
    ("fitted", "按地区校准的参数"),
    ("derived", "由公开数据推导"),
    ("from the", "引自公开资料"),
)
_SOURCES = re.compile(
    r"https?://[^\s),;]+|(?<![\w/])(?:seeds|calibration|docs|simulator)/[^\s),;]+"
    r"|(?<![\w/.])[\w-]+(?:\.[\w-]+)+/[^\s),;]+"  # an address without its scheme
    r"|[\w.-]+\.(?:md|csv|yaml|txt|pdf|html?)\b|[\w-]+(?:\.[\w-]+)*\.gov\.cn[^\s),;]*"
)
_CHINESE = re.compile(r"[\u3400-\u9fff《“〔][\u3400-\u9fff\d.,，、:：%（）()《》“”〔〕/\- ]*")


@lru_cache(maxsize=4)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern:
    # longest first: "Base year GDP" before "GDP"; whole names only
    words = sorted({*names, *FUNCTIONS_ZH}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(" + "|".join(re.escape(w) for w in words) + r")(?![\w])")


def equation_label(equation: str, lang: str, names: tuple[str, ...] | None = None) -> str:
    """Return an equation with its variables and functions named in ``lang``.

    Parameters
    ----------
    equation : str
        Right-hand side as the model file writes it.
    lang : {"zh", "en"}
    names : tuple of str, optional
        The model's Vensim names (default: those with a Chinese name).

    Examples
    --------
    >>> equation_label("Base year GDP * EXP(GDP growth rate * (Time - INITIAL TIME))", "zh")
    '基年地区生产总值 * 指数(地区生产总值增长率 * (时间 - 模拟起始时间))'
    """
    if lang != "zh":
        return equation
    zh = catalogue.variable_names_zh()
    pattern = _name_pattern(tuple(sorted(names if names is not None else zh)))
    return pattern.sub(lambda m: zh.get(m.group(1)) or FUNCTIONS_ZH.get(m.group(1), m.group(1)),
                       equation)


def view_label(view: str, lang: str) -> str:
    """Return a sketch view's (sector's) name in ``lang``."""
    return VIEWS_ZH.get(view, view) if lang == "zh" else view


def _trim(quote: str) -> str:
    quote = quote.strip(" ,.，、:：-").rstrip(" (（")
    for left, right in ("()", "（）"):  # a bracket the comment's English opened or closes
        if quote.endswith(right) and left not in quote:
            quote = quote[:-1]
        if quote.startswith(left) and right not in quote:
            quote = quote[1:]
    return quote.strip(" ,.，、:：-")


def comment_note(comment: str, lang: str) -> str:
    """Return a variable's source note in ``lang``: the comment itself in English.

    In Chinese: the kind of figure, the sources the comment cites (as written)
    and its Chinese quotations; "—" for an empty comment.

    Examples
    --------
    >>> note = comment_note("Derived from a plan: 帮助1500家科技型企业 (seeds/004).", "zh")
    >>> note.split("。")[0]
    '依据:由公开数据推导;来源:seeds/004;原文摘录:“帮助1500家科技型企业”'
    """
    if not comment:
        return "—"
    if lang != "zh":
        return comment
    lower = comment.lower()
    kind = next((zh for word, zh in KINDS_ZH if word in lower), "模型结构设定")
    parts = [f"依据:{kind}"]
    sources = list(dict.fromkeys(s.rstrip(".") for s in _SOURCES.findall(comment)))
    if sources:
        parts.append("来源:" + "、".join(sources))
    quotes = [_trim(q) for q in _CHINESE.findall(comment)]
    quotes = list(dict.fromkeys(q for q in quotes  # a unit alone ("亿元") is no quotation
                                if len(re.findall(r"[\u3400-\u9fff]", q)) >= 3))
    if quotes:
        parts.append("原文摘录:" + "、".join(f"“{q}”" for q in quotes))
    return ";".join(parts) + "。完整英文注释见 English 界面。"
