"""An error's one line in the page's language: the checks' English sentences in Chinese.

错误说明的中文译文:情景文件、观测数据、分享链接与输入表单的出错说明。

The checks (``simulator.errors``, ``yaml_input``, ``scenario``, ``levers``,
``data.observations``, ``app_logic.share_link``, ``app_logic.user_data``) say
what is wrong in one English line, which the command line prints as it is.
The app's Chinese interface shows the same line with its sentences put into
Chinese phrase by phrase (:data:`PHRASES`); what the user wrote and the
names a scenario file uses (quoted: ``'start_year'``, ``['constant',
'step']``) stay as written, since a planner types them so. A line with a
sentence the table does not hold keeps that sentence in English, marked as
such (:func:`untranslated`): a test puts every case of the bad-input corpus
through the Chinese page and fails on any.
"""

from __future__ import annotations

import re

from simulator.app_logic.terms import unit_label

#: Quoted text, lists and mappings as the checks print them, file names: kept as written.
_KEPT = re.compile(
    r"(?<![A-Za-z])'[^']*'|\"[^\"]*\"|\[(?=[\d'\"\[\]-]|True|False|None)[^\]]*\]|\{[^}]*\}"
    r"|(?<![\w.])[\w.-]+\.(?:yaml|yml|csv)\b|#x[0-9A-Fa-f]+"
)
_TYPES = {"int": "整数", "str": "文本", "list": "列表", "dict": "映射", "float": "小数",
          "bool": "布尔值", "NoneType": "空值", "string": "文本"}
_LITERALS = {"True": "布尔值“是”", "False": "布尔值“否”", "None": "空值", "nan": "非数",
             "inf": "无穷大", "-inf": "负无穷大"}
_PATHS = {"step": "阶跃", "ramp": "渐变", "constant": "常数", "yearly": "逐年"}
_NAMES = {"region": "地区", "profile": "参数文件", "lever": "杠杆", "parameter": "参数",
          "indicator": "指标", "preset": "预设情景", "lever or parameter": "杠杆或参数",
          "engine": "计算引擎"}
#: Keys of a scenario file a check names bare (``time_step must be ...``): quoted in Chinese.
_KEYS = r"(?:start_year|end_year|time_step|name|title_zh|title_en|description|targets|year|value)"
_Q = r"(\x00\d+\x00)"  # a kept piece
_N = r"([-+]?[\d.]+(?:e[-+]?\d+)?)"  # a number as printed
_T = r"(string|int|str|list|dict|float|bool|NoneType)"


def _type(match: re.Match, group: int = 1) -> str:
    return _TYPES.get(match.group(group), match.group(group))


def _literal(text: str) -> str:
    return _LITERALS.get(text, text)


def _unit(unit: str) -> str:
    return "年" if unit == "year" else unit_label(unit, "zh")


def _finite(m: re.Match) -> str:
    return f"必须是有限数,实际为{_literal(m.group(1))}"


def _number(m: re.Match) -> str:
    return f"必须是数字,实际为{_literal(m.group(1))}"


#: (pattern, Chinese) in the order applied; a replacement may be a function of the match.
PHRASES: list[tuple[str, object]] = [
    # -- the own-data form (app_logic.user_data)
    (r"value must not be negative, got (\S+)", r"数值不能为负,实际为 \1"),
    # -- goal seeking (goal_seek/problem.py)
    (rf"unknown target {_Q}", r"未知的目标 \1"),
    (r"\(the scenario's targets: ([\w, ]+); add @YEAR for an earlier year's\)",
     r"(本情景的目标:“\1”;更早年份的目标请加 @年份)"),
    (r"no target chosen: pick at least one of the scenario's targets",
     "未选择目标:请至少选择本情景的一个目标"),
    (rf"probability {_N} must be in \(0, 1\] \(e\.g\. 0\.8\)",
     r"概率 \1 必须在 (0, 1] 之间(如 0.8)"),
    (rf"budget {_N} (\S+) must not be negative", r"预算 \1 \2 不能为负"),
    (r"no lever left free: name at least one lever to search over",
     "没有可调的杠杆:请至少指定一个参与搜索的杠杆"),
    (r"bounds (\S+) of (\w+): the lower is above the upper", r"“\2” 的范围 \1:下限高于上限"),
    # -- reading a file (yaml_input, data.observations)
    (r"not valid YAML at line (\d+), column (\d+)", r"不是有效的 YAML(第 \1 行第 \2 列)"),
    (r"not valid YAML", "不是有效的 YAML"),
    (r"found undefined alias", "引用了未定义的别名"),
    (r"found unexpected end of stream", "文件意外结束"),
    (r"found unhashable key", "键不能是列表或映射"),
    (r"mapping values are not allowed here", "此处不允许出现映射值(多余的冒号?)"),
    (rf"found character {_Q} that cannot start any token", r"字符 \1 不能出现在此处(制表符缩进?)"),
    (rf"could not determine a constructor for the tag {_Q}",
     r"无法识别标签 \1(文件中的代码不会被执行)"),
    (rf"unacceptable character {_Q}: special characters are not allowed",
     r"含不可接受的字符 \1(不允许特殊字符)"),
    (rf"expected {_Q}, but (?:got|found) {_Q}", r"此处应为 \1,实际为 \2"),
    (rf"expected {_Q} or {_Q}, but (?:got|found) {_Q}", r"此处应为 \1 或 \2,实际为 \3"),
    (r"its aliases expand to more than (\d+) nodes \(refused as an alias bomb\)",
     r"别名展开后超过 \1 个节点(作为“别名炸弹”拒绝)"),
    (r"an alias refers to a node that contains it", "别名引用了包含它自身的节点"),
    (r"nested deeper than (\d+) levels", r"嵌套超过 \1 层"),
    (r"at line (\d+), column (\d+)", r"(第 \1 行第 \2 列)"),
    (r"larger than the (\d+)-byte limit", r"超过 \1 字节的上限"),
    (r"the document is empty; a mapping of keys to values is expected",
     "文件为空;应为“键: 值”映射"),
    (rf"the top level must be a mapping of keys to values, not an? {_T}",
     lambda m: f"顶层必须是“键: 值”映射,而不是{_type(m)}"),
    (r"not UTF-8 text \(invalid (?:start|continuation) byte at byte (\d+)(?: of the block read)?\)",
     r"不是 UTF-8 文本(第 \1 字节无效)"),
    # the observation reader names the line and the byte in it, and why (#22)
    (r"not UTF-8 text \(invalid (start|continuation) byte at byte (\d+) of the line\); save the"
     r" file as UTF-8",
     lambda m: f"不是 UTF-8 文本(该行第 {m[2]} 字节是无效的{'起始' if m[1] == 'start' else '后续'}"
               "字节);请将文件另存为 UTF-8"),
    (r"not UTF-8 text \(a UTF-16 byte-order mark at byte 1 of the line\); save the file as UTF-8",
     "不是 UTF-8 文本(开头是 UTF-16 字节顺序标记);请将文件另存为 UTF-8"),
    (r"not UTF-8 text \((?:a character cut off at the end of the file|unexpected end of data) at"
     r" byte (\d+) of the line\); save the file as UTF-8",
     r"不是 UTF-8 文本(该行第 \1 字节处有被截断的字符);请将文件另存为 UTF-8"),
    (r"a field is longer than the ([\d,]+)-character limit \(is a quote unclosed\?\)",
     r"有字段超过 \1 个字符的上限(是否有引号未闭合?)"),
    (rf"not valid CSV \({_Q} expected after {_Q}; the record starts on line (\d+)\)",
     r"不是有效的 CSV(\2 之后应为 \1;该记录从第 \3 行开始)"),
    (r"not valid CSV \(unexpected end of data; the record starts on line (\d+)\)",
     r"不是有效的 CSV(数据意外结束;该记录从第 \1 行开始)"),
    (rf"duplicate key {_Q} at lines (\d+) and (\d+)", r"键 \1 重复(第 \2 行与第 \3 行)"),
    (rf"{_Q}, line (\d+): ", r"\1 第 \2 行:"),
    (r"not valid CSV \(unexpected end of data\)", "不是有效的 CSV(数据意外结束)"),
    (rf"not valid CSV \({_Q} expected after {_Q}\)", r"不是有效的 CSV(\2 之后应为 \1)"),
    (r"not valid CSV \(field larger than field limit \((\d+)\)\)",
     r"不是有效的 CSV(字段超过 \1 个字符的上限)"),
    (r"; is a quote unclosed\?", ";是否有引号未闭合?"),
    (r"file is empty; expected the header ([\w,]+)", r"文件为空;应有表头 “\1”"),
    (rf"header {_Q} does not match the expected columns {_Q} \(missing {_Q}, unexpected {_Q}\)\.",
     r"表头 \1 与应有的列 \2 不符(缺少 \3,多出 \4)。"),
    (r"expected (\d+) fields \(([\w,]+)\), found (\d+)\.", r"应有 \1 个字段(“\2”),实际 \3 个。"),
    (rf"year {_Q} is not an integer \(valid: (\d+)-(\d+)\)\.", r"年份 \1 不是整数(有效:\2–\3)。"),
    (rf"value {_Q} is not a number\.", r"数值 \1 不是数字。"),
    # -- a shared link (app_logic.share_link)
    (r"^link: ", "链接:"),
    (r"the scenario parameter is (\d+) characters long, more than (\d+)",
     r"情景参数长 \1 个字符,超过上限 \2"),
    (r"the scenario parameter is not a packed scenario \((.*)\)$",
     "情景参数不是压缩编码的情景(无法解码;链接可能被截断)"),
    (r"the scenario is larger than (\d+) bytes", r"情景超过 \1 字节"),
    (rf"unknown preset {_Q} for (\w+)", r"地区 “\2” 没有预设情景 \1"),
    (rf"([\w.]+)={_Q} must be a number from {_N} to {_N}", r"“\1”=\2 必须是 \3 到 \4 之间的数字"),
    (rf"([\w.]+)={_Q} must be a whole number of years from (\d+) to (\d+)",
     r"“\1”=\2 必须是 \3 到 \4 之间的整年数"),
    (rf"(year|[\w]+\.start) {_Q} must be a whole year after (\d+) and not after (\d+)",
     lambda m: f"{'年份' if m.group(1) == 'year' else '“' + m.group(1) + '”'} {m.group(2)}"
               f" 必须是晚于 {m.group(3)}、不晚于 {m.group(4)} 的整年"),
    (r"\(valid: ([\w, ]+?), the levers ([\w, ]+), each with \.start and \.ramp\)",
     r"(有效参数:“\1”,以及杠杆 “\2” 及其 .start 与 .ramp)"),
    # -- names and choices (errors.py)
    (rf"; did you mean {_Q}((?: or {_Q})*)\?",
     lambda m: ";是否想输入 " + m.group(1) + m.group(2).replace(" or ", " 或 ") + "?"),
    (r"\(valid: (\d+) names; see the catalogue\)", r"(有效名称共 \1 个,见目录)"),
    (rf"\(valid keys: {_Q}\)", r"(有效的键:\1)"),
    (rf"\(valid: {_Q} or a \.yaml path\)", r"(有效:\1 或一个 .yaml 文件路径)"),
    (rf"\(valid: {_Q}\)", r"(有效值:\1)"),
    (r"\(valid: ([\w, ]+)\)", r"(有效值:“\1”)"),
    (rf"unknown key {_Q} for an? (step|ramp|constant|yearly) path",
     lambda m: f"{_PATHS[m.group(2)]}路径中有未知的键 {m.group(1)}"),
    (rf"unknown key {_Q} for a scenario", r"情景文件中有未知的键 \1"),
    (rf"unknown key {_Q}", r"未知的键 \1"),
    (rf"unknown (lever or parameter|region|profile|lever|parameter|indicator|engine)"
     rf" ({_Q[1:-1]}|\S+?)(?=[;( ]|$)",
     lambda m: f"未知的{_NAMES[m.group(1)]} {m.group(2)}"),
    (rf"(\S+) = {_N} is out of range: valid {_N}(?: \(2\^-10\))? to {_N} \[(.+?)\]",
     lambda m: f"“{m.group(1)}” = {m.group(2)} 超出范围:有效范围 {m.group(3)} 至 {m.group(4)}"
               f" [{_unit(m.group(5))}]"),
    (rf"(\S+) {_N} is out of range: valid {_N}(?: \(2\^-10\))? to {_N} \[(.+?)\]",
     lambda m: f"“{m.group(1)}” {m.group(2)} 超出范围:有效范围 {m.group(3)} 至 {m.group(4)}"
               f" [{_unit(m.group(5))}]"),
    (rf"target #(\d+):? ({_KEYS}) ", r"第 \1 个目标的“\2” "),
    (r"value for (\d+) must be", r"\1 年的值 must be"),
    (rf"year {_Q} must be", r"年份 \1 must be"),
    (r"must be finite, got an integer of (\d+) digits", r"必须是有限数,实际为 \1 位的整数"),
    (rf"must be finite, got ({_Q[1:-1]}|\S+)", _finite),
    (rf"must be a number, got {_T} ", lambda m: f"必须是数字,实际为{_type(m)} "),
    (rf"must be a number, got ({_Q[1:-1]}|\S+)", _number),
    (rf"must be a text, got {_T} ", lambda m: f"必须是文本,实际为{_type(m)} "),
    # -- a scenario file (scenario.py, levers.py, uncertainty.py)
    (rf"^(\x00\d+\x00: )?({_KEYS}) ", r"\1“\2” "),
    (rf"({_KEYS}) must be a whole year between (\d+) and (\d+), got ({_Q[1:-1]}|\S+)",
     lambda m: f"“{m.group(1)}”必须是 {m.group(2)} 到 {m.group(3)} 之间的整年,"
               f"实际为{_literal(m.group(4))}"),
    (rf"“?({_KEYS})”? must be a whole year between (\d+) and (\d+), got ({_Q[1:-1]}|\S+)",
     lambda m: f"“{m.group(1)}”必须是 {m.group(2)} 到 {m.group(3)} 之间的整年,"
               f"实际为{_literal(m.group(4))}"),
    (r"“?year”? must be a whole year from (\d+) to (\d+), got (\S+)",
     r"年份必须是 \1 到 \2 之间的整年,实际为 \3"),
    (r"must be a whole year between (\d+) and (\d+), got (\S+)",
     r"必须是 \1 到 \2 之间的整年,实际为 \3"),
    (rf"(ramp )?“?(\w+)”? {_N} must be after “?(\w+)”? {_N}",
     lambda m: f"{'渐变路径的 ' if m.group(1) else ''}“{m.group(2)}” {m.group(3)} 必须晚于"
               f" “{m.group(4)}” {m.group(5)}"),
    (r"must be 1/n of a year \(e\.g\. 1, 0\.5, 0\.25, 0\.0625\) so that yearly output and the"
     r" 3-year certificate conveyor fall on the grid",
     "必须是 1/n 年(如 1、0.5、0.25、0.0625),使逐年输出与 3 年认定周期落在时间网格上"),
    (rf"{_Q} must be a mapping of names to values, got {_T}",
     lambda m: f"{m.group(1)} 必须是“名称: 值”映射,实际为{_type(m, 2)}"),
    (rf"{_Q} must be a mapping with keys {_Q}, got {_T}",
     lambda m: f"{m.group(1)} 必须是含键 {m.group(2)} 的映射,实际为{_type(m, 3)}"),
    (rf"must be a mapping with keys {_Q}", r"必须是含键 \1 的映射"),
    (rf"{_Q}: the key (\S+) must be a name \(text\), e\.g\. {_Q}",
     lambda m: f"{m.group(1)}:键 {_literal(m.group(2))} 必须是名称(文本),例如 {m.group(3)}"),
    (rf"{_Q} is a lever: set it under {_Q}, not {_Q}", r"\1 是杠杆:请写在 \2 下,而不是 \3 下"),
    (rf"{_Q} is a parameter: set it under {_Q}, not {_Q}", r"\1 是参数:请写在 \2 下,而不是 \3 下"),
    (rf"a (step|ramp|constant|yearly) path needs {_Q}(, a mapping of year to value)?",
     lambda m: f"{_PATHS[m.group(1)]}路径需要 {m.group(2)}"
               + ("(年份到数值的映射)" if m.group(3) else "")),
    (rf"path type ({_Q[1:-1]}|\S+) is not one of {_Q}", r"路径类型 \1 不在 \2 之中"),
    (rf"bound {_Q} is not one of {_Q}", r"目标约束 \1 不在 \2 之中"),
    (rf"source {_Q} is not one of {_Q}", r"来源 \1 不在 \2 之中"),
    (rf"distribution {_Q} is not one of {_Q}", r"分布 \1 不在 \2 之中"),
    (rf"uncertainty of {_Q}: ", r"\1 的不确定性:"),
    (r"uncertainty: ", "不确定性:"),
    (rf"min {_N} must be less than max {_N}", r"最小值 \1 必须小于最大值 \2"),
    (rf"year {_N} is outside the valid window (\d+) to (\d+) \(the run's (\d+)-(\d+), widened by"
     r" 100 years\)", r"年份 \1 超出有效范围 \2 至 \3(模拟期 \4–\5 前后各放宽 100 年)"),
    (r"yearly values need whole years, got (\S+)", r"逐年取值须为整年,实际为 \1"),
    (rf"year {_Q} must be a number", r"年份 \1 必须是数字"),
    (r"value for (\d+) must be a number", r"\1 年的值必须是数字"),
    (r"“?targets”? must be a list of (\x00\d+\x00) mappings, got ",
     r"“targets”必须是 \1 映射的列表,实际为 "),
    (rf"profile must be a region name or a \.yaml path, got {_T} ",
     lambda m: f"参数文件必须是地区名或 .yaml 文件路径,实际为{_type(m)} "),
    (r"target #(\d+):? ", r"第 \1 个目标:"),
    (rf"lever {_Q}: start year (\d+) must be after (\d+) and not after (\d+), and its ramp"
     r" \((-?\d+) years\) not negative",
     r"杠杆 \1:起始年 \2 必须晚于 \3、不晚于 \4,渐变年数(\5)不能为负"),
    (r"policy year (\d+) must be after (\d+) and not after (\d+)",
     r"政策起始年 \1 必须晚于 \2、不晚于 \3"),
    (rf"\b(lever|parameter) {_Q}:? ", lambda m: f"{_NAMES[m.group(1)]} {m.group(2)}:"),
    (rf"scenario {_Q} starts in (\d+) but profile {_Q} is calibrated from (\d+):"
     r" set start_year: (\d+)",
     r"情景 \1 起始于 \2 年,但参数文件 \3 的校准基年为 \4 年:请设 “start_year: \5”"),
    (rf"scenario {_Q} has nothing uncertain to draw: add an {_Q} section with stated"
     r" distributions, or a calibration profile for its region",
     r"情景 \1 没有可抽样的不确定参数:请添加 \2 部分并设定分布,或先为其地区校准参数文件"),
    (r"source is required: where the figure is published", "必须填写来源:该数据的发布出处"),
    (rf"({_Q[1:-1]}) (\x00\d+\x00)", r"\1 \2"),
]
_COMPILED = [(re.compile(p), r) for p, r in PHRASES]
#: Words the Chinese line may keep: formats and names a planner knows as they are.
ALLOWED = {"YAML", "CSV", "UTF", "NaN", "yaml", "csv", "region", "preset", "year", "start",
           "ramp"}
_ENGLISH = re.compile(r"[A-Za-z]{3,}")


def _protect(text: str) -> tuple[str, list[str]]:
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    return _KEPT.sub(keep, text), kept


def _restore(text: str, kept: list[str]) -> str:
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


def untranslated(text: str) -> list[str]:
    """Return the English words left in a translated line, outside what it keeps as written."""
    protected, _ = _protect(text)
    bare = re.sub(r"“[^”]*”|\x00\d+\x00", " ", protected)
    return [w for w in _ENGLISH.findall(bare) if w not in ALLOWED]


def error_line(message: str, lang: str) -> str:
    """Return a check's one-line message in ``lang`` (``"en"``: as it is).

    Examples
    --------
    >>> error_line("bad.yaml: time_step must be finite, got nan", "zh")
    'bad.yaml: “time_step” 必须是有限数,实际为非数'
    """
    if lang != "zh":
        return message
    text, kept = _protect(message)
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    text = _restore(text, kept)
    left = untranslated(text)
    return text if not left else f"{text}(部分说明暂无中文)"
