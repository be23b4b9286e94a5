"""Interface strings of the app in Chinese and English.

界面文字:中文在前,英文在后。

Every label the pages show goes through :func:`t`, so that the language
switch changes all of them. Names of levers, indicators and policy areas come
from the catalogue (``catalogue.yaml``), not from here.
"""

from __future__ import annotations

from simulator.errors import did_you_mean

#: Supported languages: code -> name shown in the switch.
LANGUAGES = {"zh": "中文", "en": "English"}

#: Key -> (Chinese, English).
STRINGS: dict[str, tuple[str, str]] = {
    "language": ("语言 Language", "Language 语言"),
    # navigation
    "page_explore": ("情景探索", "Explore"),
    "page_compare": ("情景比较", "Compare"),
    "page_uncertainty": ("不确定性", "Uncertainty"),
    "page_model": ("模型结构", "Model"),
    "page_data": ("数据与校准", "Data"),
    "page_share": ("保存与分享", "Save and share"),
    # explore
    "region": ("地区", "Region"),
    "preset": ("预设情景", "Scenario preset"),
    "preset_baseline": ("基线", "Baseline"),
    "preset_plan": ("规划", "Plan"),
    "preset_uploaded": ("已上传", "Uploaded"),
    "plan_missing": (
        "该地区的规划情景文件(simulator/scenarios/{region}-plan.yaml)尚未提供,暂用基线情景。",
        "No plan scenario for this region yet (simulator/scenarios/{region}-plan.yaml);"
        " showing the baseline.",
    ),
    "policy_year": ("政策调整起始年", "Policy change from year"),
    "policy_year_help": (
        "滑块设定的值从该年起生效,此前沿用预设情景的路径。",
        "Slider values apply from this year; earlier years keep the preset's path.",
    ),
    "policy_after_targets": (
        "政策调整起始年 {year} 晚于目标年份 {years}:滑块的改变不会影响这些年份的结果。"
        "请把起始年调到 {latest} 或更早。",
        "The policy year {year} comes after the target years {years}: moving a lever cannot"
        " change their results. Set the policy year to {latest} or earlier.",
    ),
    "levers": ("政策杠杆", "Policy levers"),
    "reset": ("恢复预设值", "Reset to preset"),
    "preset_value": ("预设值", "preset"),
    "valid_range": ("有效范围", "valid range"),
    "key_indicators": ("关键指标", "Key indicators"),
    "headline_year": ("指标卡年份", "Headline year"),
    "headline_note": (
        "指标卡:{year} 年模拟值;箭头为相对{reference}的差值。",
        "Headline cards: simulated values in {year}; arrows give the difference from the"
        " {reference}.",
    ),
    "the_baseline": ("基线情景", "baseline"),
    "never_reached": ("未达到", "not reached"),
    "plan_targets": ("规划目标(尚未到期)", "Plan targets (still open)"),
    "simulated": ("模拟", "simulated"),
    "observed": ("历史统计", "documented"),
    "target": ("规划目标", "target"),
    "year": ("年份", "Year"),
    "value": ("数值", "Value"),
    "series": ("系列", "Series"),
    "chart_legend": (
        "线:模拟;红点:有据可查的历史统计;橙色菱形:留出检验数据(未用于拟合);绿色三角:规划目标。",
        "Lines: simulated; red dots: documented history; orange diamonds: hold-out figures"
        " (never fitted); green triangles: targets.",
    ),
    "scorecard": ("目标达成情况", "Target scorecard"),
    "scorecard_missing": (
        "目标评分模块(simulator.targets)尚未提供;下表只列出目标与模拟值。",
        "The target scorecard module (simulator.targets) is not available yet; the table lists "
        "targets beside simulated values only.",
    ),
    "no_targets": ("该情景没有规划目标。", "This scenario has no targets."),
    "time_step_warning": (
        "数值精度提示：{message}。可在“保存与分享”页下载情景 YAML，修改 time_step 后再上传。",
        "Numerical accuracy: {message}. Download the scenario YAML on the Save and share page,"
        " change time_step and upload it again.",
    ),
    "indicator": ("指标", "Indicator"),
    "unit": ("单位", "Unit"),
    "bound": ("约束", "Bound"),
    "met": ("是否达成", "Met"),
    "yes": ("达成", "met"),
    "no": ("未达成", "missed"),
    "gap": ("差距", "Gap"),
    "actual": ("实际", "Actual"),
    "latest_actual": ("最新实际", "Latest actual"),
    "latest_caption": ("最新实际 {value}({year} 年{kind})", "Latest actual {value} ({year}{kind})"),
    "holdout_kind": (",留出检验数据", ", hold-out figure"),
    "holdout_point": ("留出检验数据", "hold-out figure"),
    "no_actual": ("无统计数据", "not documented"),
    "past_targets": ("往年目标(对照实际统计)", "Past targets (against the documented outcome)"),
    "past_targets_note": (
        "这些目标年份已有统计(截至 {year} 年),按实际数据判断是否达成,不再给出模拟值或概率。",
        "These target years are documented (data up to {year}): judged on the actual figure,"
        " with no simulated value or probability.",
    ),
    "ran_scenario": (
        "本页运行的情景:{name}({region})", "Scenario run on this page: {name} ({region})"
    ),
    "first_year": ("首次达到年份", "First year reached"),
    "source": ("来源", "Source"),
    "run_error": ("模拟失败:{error}", "The run failed: {error}"),
    "save_as": ("保存为情景名称", "Save as scenario named"),
    "save": ("保存到比较列表", "Save for comparison"),
    "saved": ("已保存情景 {name}。", "Saved scenario {name}."),
    "bad_name": (
        "情景名称只能包含字母、数字、- 和 _。",
        "A scenario name may hold letters, digits, - and _ only.",
    ),
    # compare
    "compare_pick": ("选择要比较的情景", "Scenarios to compare"),
    "compare_years": ("比较年份", "Years compared"),
    "compare_indicators": ("比较指标", "Indicators compared"),
    "compare_table": (
        "目标年份差异表(相对第一个情景)",
        "Differences in the target years (vs the first)",
    ),
    "compare_need_two": ("请至少选择两个情景。", "Pick at least two scenarios."),
    "current": ("当前", "current"),
    # uncertainty
    "ensemble_missing": (
        "集合模拟模块(simulator.ensemble)尚未提供,暂无法计算不确定性区间。",
        "The ensemble module (simulator.ensemble) is not available yet, so no uncertainty bands"
        " can be computed.",
    ),
    "ensemble_size": ("集合成员数", "Ensemble members"),
    "seed": ("随机种子", "Random seed"),
    "band_note": (
        "阴影:集合模拟的 5–95% 区间;线:中位数;红点:历史统计;绿色三角:规划目标。",
        "Shaded: the ensemble's 5–95% band; line: median; red dots: documented history;"
        " green triangles: targets.",
    ),
    "median": ("中位数", "median"),
    "draws_source": ("参数抽样来源:{source}", "Parameter draws: {source}"),
    "vensim_name": ("模型变量名(Vensim)", "Vensim name"),
    "probability": ("达成概率", "Probability of meeting"),
    "run_ensemble": ("运行集合模拟", "Run the ensemble"),
    # model
    "diagram": ("因果关系图", "Causal diagram"),
    "stock_flow": (
        "存量流量图(与 Vensim 中所见相同)", "Stock-and-flow diagram (as Vensim shows it)"
    ),
    "sector": ("部门视图", "Sector view"),
    "stock_flow_legend": (
        "方框:存量;蓝色粗线与 ✕:流量管道与阀门;灰色圆点:源/汇;细箭头:因果链;"
        "灰字:其他部门的变量(影子变量)。图由方程生成(python -m simulator.model_diagram)。",
        "Boxes: stocks; thick blue lines with ✕: flow pipes and valves; grey dots: sources and"
        " sinks; thin arrows: causal links; grey names: variables of other sectors (shadows)."
        " Generated from the equations (python -m simulator.model_diagram).",
    ),
    "focus": ("聚焦变量", "Focus on variable"),
    "depth": ("邻域深度", "Neighbourhood depth"),
    "show_constants": ("显示常量", "Show constants"),
    "loops": ("反馈回路", "Feedback loops"),
    "max_loop_length": ("回路最大长度", "Longest loop"),
    "loops_found": ("共找到 {n} 个回路(长度不超过 {k})。", "{n} loops found (length up to {k})."),
    "loop_length": ("长度", "Length"),
    "loop": ("回路", "Loop"),
    "variables": ("变量说明", "Variables"),
    "equation": ("方程", "Equation"),
    "kind": ("类型", "Type"),
    "comment": ("来源 / 说明", "Source / comment"),
    "legend": (
        "方框:存量;椭圆:流量与辅助变量;灰色:常量;红色:所选变量。",
        "Boxes: stocks; ellipses: flows and auxiliaries; grey: constants; red: the focus.",
    ),
    "checks": ("模型检验", "Model checks"),
    "checks_help": (
        "对当前情景(含滑块设定)运行系统动力学检验:非负有限、企业守恒、步长收敛、均衡不动、"
        "现实检验与政策极值。约需数秒。",
        "Runs the system-dynamics checks on the current scenario (with the sliders): finite and"
        " non-negative, firms conserved, time-step convergence, steady state, reality checks and"
        " levers at their extremes. Takes a few seconds.",
    ),
    "run_checks": ("运行检验", "Run the checks"),
    "check": ("检验", "Check"),
    "check_result": ("结果", "Result"),
    "check_detail": ("说明", "Detail"),
    "check_pass": ("通过", "passed"),
    "check_fail": ("未通过", "failed"),
    "checks_passed": ("全部 {n} 项检验通过。", "All {n} checks passed."),
    "checks_failed": (
        "{k} / {n} 项检验未通过:见下表。", "{k} of {n} checks failed: see the table."
    ),
    "checks_error": ("无法运行检验:{error}", "The checks could not run: {error}"),
    # data
    "documented": ("有据可查的数据", "Documented figures"),
    "holdout": (
        "留出检验数据(2023 年后,不用于拟合)",
        "Hold-out figures (after 2022, never fitted)",
    ),
    "quote": ("原文", "Quote"),
    "weight": ("权重", "Weight"),
    "fit": ("校准拟合", "Calibration fit"),
    "fit_note": (
        "下表为当前基线情景与历史统计的拟合统计量。",
        "Fit statistics of the region's baseline scenario against the documented outcomes.",
    ),
    "profile_missing": (
        "该地区的校准参数文件(simulator/data/profiles/{region}.yaml)尚未提供。",
        "No calibration profile for this region yet (simulator/data/profiles/{region}.yaml).",
    ),
    "profile": ("校准参数", "Calibration profile"),
    "profile_parameter": ("参数", "Parameter"),
    "profile_value": ("取值", "Value"),
    "profile_status": ("状态(有据/拟合/假设)", "Status (documented/fitted/assumed)"),
    "profile_source": ("来源", "Source"),
    "profile_low": ("90% 区间下限", "90% range, low"),
    "profile_high": ("90% 区间上限", "90% range, high"),
    "profile_reason": ("理由", "Reason"),
    "reports": ("校准报告", "Calibration report"),
    "report_missing": (
        "该地区尚无校准报告(calibration/reports/{region}/,由 python -m simulator calibrate 生成)。",
        "No calibration report for this region yet (calibration/reports/{region}/, written by"
        " python -m simulator calibrate).",
    ),
    "forecast": (
        "留出期预测与实际(样本外检验)",
        "Hold-out forecast against outcomes (out of sample)",
    ),
    "no_data": ("该地区暂无有据可查的数据。", "No documented figures for this region."),
    # share
    "download_yaml": ("下载情景 YAML", "Download the scenario (YAML)"),
    "upload_yaml": ("上传情景 YAML", "Load a scenario (YAML)"),
    "upload_error": ("无法读取上传的情景:{error}", "Cannot load the uploaded scenario: {error}"),
    "upload_ok": (
        "已载入情景 {name}(地区:{region})。",
        "Loaded scenario {name} (region: {region}).",
    ),
    "download_csv": ("下载结果 CSV", "Download the results (CSV)"),
    "download_png": ("下载图表 PNG", "Download the charts (PNG)"),
    "current_scenario": ("当前情景", "Current scenario"),
    "saved_scenarios": ("已保存的情景", "Saved scenarios"),
    "none_saved": ("尚未保存情景。", "No saved scenarios yet."),
    # share link, brief, workbook, fiscal cost (#20)
    "link_error": ("无法打开分享链接:{error}", "Cannot open the shared link: {error}"),
    "share_link": ("分享链接", "Link to this scenario"),
    "share_link_note": (
        "复制此链接,打开后即为当前地区、情景、起始年和杠杆值。",
        "Copy this link: it opens this region, scenario, policy year and lever values.",
    ),
    "brief_language": ("简报语言", "Brief language"),
    "download_pdf": ("下载情景简报 PDF", "Download the brief (PDF)"),
    "download_xlsx": ("下载结果 Excel", "Download the results (Excel)"),
    "fiscal_cost": ("累计贴现财政成本(相对基线)", "Cumulative discounted fiscal cost vs baseline"),
    "fiscal_cost_value": ("{value} 亿元", "{value} 亿元 (100 million yuan)"),
    "fiscal_cost_basis": (
        "{first}–{last} 年,按 {rate:.0%} 贴现到 {first} 年;单位成本为设定值(多为假设,见 {source}),"
        "后补助与加计扣除取模型计算值。假设定价的杠杆:{assumed}。",
        "{first}–{last}, discounted to {first} at {rate:.0%}; stated unit costs (mostly"
        " assumptions, see {source}); post-subsidy and super deduction as the model computes"
        " them. Levers priced by assumption: {assumed}.",
    ),
    "none": ("无", "none"),
    # the brief (PDF) and the workbook (Excel)
    "brief_title": ("区域科技创新政策情景简报", "Regional S&T policy scenario brief"),
    "brief_scenario": ("情景", "Scenario"),
    "brief_region": ("地区", "Region"),
    "brief_years": ("政策调整起始年 {policy} · 目标年 {target}",
                    "Policy change from {policy} · target year {target}"),
    "brief_levers": ("政策杠杆(目标年取值,与基线对比)",
                     "Policy levers (values in the target year, against the baseline)"),
    "brief_no_change": ("所有杠杆与基线相同。", "Every lever is as in the baseline."),
    "brief_scorecard": ("目标达成概率({n} 次参数抽样,种子 {seed})",
                        "Probability of meeting each target ({n} parameter draws, seed {seed})"),
    "brief_past": ("已过去的目标:实际结果与目标",
                   "Past targets: documented outcome against target"),
    "brief_charts": ("关键指标:情景(中位数与 5–95% 区间)与基线",
                     "Key indicators: scenario (median and 5-95% band) and baseline"),
    "brief_cost": ("财政成本", "Fiscal cost"),
    "brief_sources": ("数据来源", "Data sources"),
    "brief_provenance": ("模型版本与来源", "Model version and provenance"),
    "col_lever": ("杠杆", "Lever"),
    "col_id": ("模型名称", "Model name"),
    "col_unit": ("单位", "Unit"),
    "col_baseline": ("基线", "Baseline"),
    "col_scenario": ("本情景", "Scenario"),
    "col_year": ("年份", "Year"),
    "col_bound": ("约束", "Bound"),
    "col_target": ("目标值", "Target"),
    "col_value": ("模拟值", "Simulated"),
    "col_p_met": ("达成概率 %", "Probability %"),
    "col_q05_q95": ("5–95% 区间", "5-95% range"),
    "col_actual": ("实际值", "Outcome"),
    "col_met": ("是否达成", "Met"),
    "col_indicator": ("指标", "Indicator"),
    "legend_band": ("5–95% 区间", "5-95% band"),
    "legend_median": ("中位数", "median"),
    "legend_scenario": ("本情景", "scenario"),
    "legend_observed": ("实际", "documented"),
    "legend_target": ("目标", "target"),
    "sheet_results": ("结果", "results"),
    "sheet_baseline": ("基线", "baseline"),
    "sheet_levers": ("杠杆", "levers"),
    "sheet_targets": ("目标", "targets"),
    "sheet_about": ("说明", "about"),
    "unit_row": ("单位", "unit"),
}


def t(key: str, lang: str = "zh", **values: object) -> str:
    """Return the interface string ``key`` in ``lang``, formatted with ``values``.

    Parameters
    ----------
    key : str
        A key of :data:`STRINGS`.
    lang : {"zh", "en"}
        Language code.
    **values
        Fields of the string's ``str.format`` placeholders.

    Returns
    -------
    str

    Raises
    ------
    KeyError
        On an unknown key (the message suggests close keys).
    ValueError
        On an unknown language.

    Examples
    --------
    >>> t("region", "en")
    'Region'
    >>> t("saved", "zh", name="a")
    '已保存情景 a。'
    """
    if lang not in LANGUAGES:
        raise ValueError(f"{lang!r} is not a valid language. It must be one of {list(LANGUAGES)}")
    if key not in STRINGS:
        raise KeyError(f"no interface string {key!r}{did_you_mean(key, STRINGS)}")
    text = STRINGS[key][0 if lang == "zh" else 1]
    return text.format(**values) if values else text
