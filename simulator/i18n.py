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
    "page_twin_city": ("成渝双城经济圈", "Twin-city circle"),
    # twin city
    "twin_intro": (
        "六个区域各运行核心模型,以技术合同、知识溢出、企业迁移和联合平台相互耦合;"
        "耦合强度均为标明的假设(见 docs/twin-city.md)。",
        "Six regions each run the core model, coupled by technology contracts, knowledge "
        "spillovers, firm relocation and joint platforms; every strength is a marked "
        "assumption (see docs/twin-city.md).",
    ),
    "twin_year": ("年份", "Year"),
    "twin_with_measures": ("含规划协同措施", "With the plans' collaboration measures"),
    "twin_flow": ("技术合同流量(亿元/年)", "Contracts (亿元/year)"),
    "twin_turnover": ("技术合同登记额(亿元/年)", "Contract turnover (亿元/year)"),
    "twin_indicator": ("指标", "Indicator"),
    "twin_targets": ("各区域规划目标", "Each region's plan targets"),
    "twin_measures": ("协同措施及原文", "The measures and the plans' sentences"),
    "twin_bands": ("各区域 90% 区间(校准不确定性)",
                   "Each region's 90% band (calibrated uncertainty)"),
    "twin_band_note": (
        "阴影:{n} 组参数抽样(种子 {seed})的 5–95% 区间,各区域按其校准档案抽样;线:中位数;"
        "颜色区分是否含协同措施(两者抽样相同)。",
        "Shaded: the 5–95% band of {n} parameter draws (seed {seed}), each region drawn from"
        " its calibration profile; line: median; colour: without or with the measures (the"
        " same draws for both).",
    ),
    "twin_probability": ("各区域规划目标达成概率",
                         "Probability of meeting each region's plan targets"),
    "twin_without": ("不含协同措施", "without the measures"),
    "twin_with": ("含协同措施", "with the measures"),
    "twin_run": ("运行", "Run"),
    "twin_region": ("区域", "Region"),
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
    "exact_value": ("精确值", "exact value"),
    "lever_timing": ("各杠杆起始年与过渡期", "Start year and ramp per lever"),
    "lever_timing_note": (
        "起始年留空则随政策调整起始年;过渡期为从原值线性过渡到新值的年数(0 为当年生效)。",
        "A blank start year follows the policy year; the ramp is the years over which the"
        " lever moves linearly from its old value to the new one (0: at once).",
    ),
    "start_year": ("起始年", "start year"),
    "show_lever_timing": ("逐个设定杠杆的起始年与过渡期", "Set each lever's start year and ramp"),
    "follows_policy_year": ("随政策起始年", "policy year"),
    "ramp_years": ("过渡期(年)", "Ramp (years)"),
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
        "线:模拟(灰色虚线:基线情景,画在最底层;蓝线:当前情景);红点:有据可查的历史统计;"
        "橙色菱形:留出检验数据(未用于拟合);绿色三角:规划目标。",
        "Lines: simulated (grey dashes: the baseline, drawn beneath; blue: the current"
        " scenario); red dots: documented history; orange diamonds: hold-out figures"
        " (never fitted); green triangles: targets.",
    ),
    "explore_band_note": (
        "蓝色阴影:当前情景的 5–95% 区间,{n} 组参数抽样(固定随机种子),来源:{source}。",
        "Blue shading: the current scenario's 5–95% band, {n} parameter draws (fixed seed),"
        " from {source}.",
    ),
    "band_missing": (
        "未画不确定区间:本情景没有可抽样的参数(无校准参数文件,也未设定分布)。",
        "No band: the scenario has nothing uncertain to draw (no calibration profile and no"
        " stated distributions).",
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
        "阴影:集合模拟的 5–95% 区间;蓝线:中位数;灰色虚线:基线情景(画在最底层);"
        "红点:历史统计;橙色菱形:留出检验数据;绿色三角:规划目标。",
        "Shaded: the ensemble's 5–95% band; blue line: median; grey dashes: the baseline"
        " (drawn beneath); red dots: documented history; orange diamonds: hold-out figures;"
        " green triangles: targets.",
    ),
    "median": ("中位数", "median"),
    "draws_source": ("参数抽样来源:{source}", "Parameter draws: {source}"),
    "draw_assumed": ("同时抽取假设参数(含政策响应弹性)",
                     "Also draw the assumed parameters (policy responses included)"),
    "draw_assumed_help": (
        "按 simulator/data/assumed_ranges.yaml 的取值范围抽取约45个假设参数;默认不抽取,"
        "同命令行的 --draw-assumed。",
        "Draws the ~45 assumed parameters from their ranges in"
        " simulator/data/assumed_ranges.yaml; off by default, as the CLI's --draw-assumed.",
    ),
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
    "loop_polarity": ("极性", "Polarity"),
    "loop_polarity_caption": (
        "R:增强回路;B:调节回路。每条因果链的符号(+/−)由模型方程在默认值和各地区基准情景的运行上"
        "逐时点测得;±:符号随状态变化;0:该链在这些运行中不起作用(如存量排空保护),其回路记为 0。",
        "R: reinforcing; B: balancing. Each link's sign (+/−) is measured on the model's equations"
        " over runs at the model's values and each region's baseline, at every saved time; ±: the"
        " sign depends on the state; 0: the link changes nothing in those runs (e.g. a drain"
        " guard), and its loops are marked 0.",
    ),
    "loop_counts": ("增强回路 {r} 个,调节回路 {b} 个,未定 {u} 个,未起作用 {z} 个。",
                    "{r} reinforcing, {b} balancing, {u} undetermined, {z} inactive."),
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
    "profile_min": ("有效下限", "Valid min"),
    "profile_max": ("有效上限", "Valid max"),
    "profile_space": ("拟合尺度", "Fit scale"),
    "profile_fitted": ("是否拟合", "Fitted"),
    "profile_identified": ("数据可识别", "Identified by the data"),
    "profile_prior_mean": ("先验均值", "Prior mean"),
    "profile_prior_sd": ("先验标准差", "Prior sd"),
    "profile_posterior_sd": ("后验标准差", "Posterior sd"),
    "py_name": ("情景文件中的名称", "Name in scenario files"),
    "reasons_in_english": (
        "各参数取值的理由为校准文件的英文原文,尚未翻译,请切换到 English 界面查看。",
        "The reason for each parameter value (the profile's text) is in the table.",
    ),
    "comments_in_english": (
        "“来源 / 说明”列给出各变量的依据类型、引用的来源与中文原文摘录;模型文件中的完整英文注释、"
        "Vensim 名称与代码名请切换到 English 界面查看。方程中的变量与函数均以中文名显示。",
        "Each variable's source comment (the model file's text) is on this page.",
    ),
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
    # data page: check an observations CSV (#22)
    "obs_upload": ("检查观测数据 CSV(列同 observations.csv)",
                   "Check an observations CSV (the columns of observations.csv)"),
    "obs_upload_error": ("无法读取上传的观测数据:{error}",
                         "Cannot read the uploaded observations: {error}"),
    "obs_upload_ok": ("{name}:{rows} 行有效数据", "{name}: {rows} valid rows"),
    "own_refit": ("用这些数据重新标定{region}", "Refit {region} with these figures"),
    "own_refit_running": ("正在重新标定……", "Refitting…"),
    "own_refit_error": ("无法重新标定:{error}", "Cannot refit: {error}"),
    "own_refit_note": (
        "重新标定使用软件包数据与您的数据(您的数据替换同一指标同一年份的软件包数据),"
        "数据截至 {until} 年;软件包的数据与参数文件不变。",
        "The refit uses the packaged figures and yours (yours replace the packaged figure of"
        " the same indicator and year), up to {until}; the packaged data and profile are"
        " unchanged.",
    ),
    "own_packaged": ("软件包标定", "Packaged fit"),
    "own_refitted": ("重新标定", "Refit"),
    "own_refit_sd": ("重新标定标准差(拟合空间)", "Refit sd (fitting space)"),
    "own_figure_value": ("您的数据", "Your figure"),
    "own_packaged_error": ("软件包标定误差 %", "Packaged fit error %"),
    "own_refit_error_pct": ("重新标定误差 %", "Refit error %"),
    "own_refit_download": ("下载重新标定的参数文件(YAML)", "Download the refitted profile (YAML)"),
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
    # the user's own figures and targets (Data page)
    "own_data": ("我的数据与目标", "My figures and targets"),
    "own_data_note": (
        "补充最新公布的实际数据或修改目标:只在本次会话中有效,显示在各页图表与目标表中,"
        "不会写入软件包的数据文件。数值使用指标的单位(亿元、家、%)。",
        "Add a newly published figure or change a target: kept for this session only, shown"
        " on every page's charts and scorecard, never written into the package's data files."
        " Values are in the indicator's unit (亿元, 家, %).",
    ),
    "own_figure": ("实际数据", "Documented figure"),
    "own_target": ("目标", "Target"),
    "own_add": ("添加", "Add"),
    "own_clear": ("清除我的数据与目标", "Clear my figures and targets"),
    "own_data_error": ("输入有误:{error}", "Invalid input: {error}"),
    "own_data_added": (
        "已添加,各页图表与目标表已更新。", "Added: the charts and scorecards show it."
    ),
    # analysis page
    "page_analysis": ("分析", "Analysis"),
    "tornado": ("各杠杆对目标的影响(龙卷风图)", "Each lever's effect on a target (tornado)"),
    "tornado_target": ("目标", "Target"),
    "tornado_swing": ("杠杆变动幅度 ±%", "Lever swing ±%"),
    "tornado_note": (
        "每次只移动一个杠杆:从 {year} 年起取当前情景值的 (1 − {swing}%) 与 (1 + {swing}%)"
        "(不超出有效范围);条形为目标指标的变化范围,竖线为当前情景。",
        "One lever at a time, from {year}: the current scenario's value times (1 − {swing}%)"
        " and (1 + {swing}%), inside the valid range; each bar spans the target indicator,"
        " the rule marks the current scenario.",
    ),
    "lever": ("政策杠杆", "Lever"),
    "tornado_low": ("杠杆低值", "Lever low"),
    "tornado_high": ("杠杆高值", "Lever high"),
    "tornado_effect": ("影响(高值 − 低值)", "Effect (high − low)"),
    "analysis_link": ("分析:哪个杠杆最有效", "Analysis: which lever matters most"),
    "goal_seek_link": ("目标反推:达成目标的最低成本组合", "Goal seeking: the cheapest mix"),
    "sweep_results": ("参数扫描结果", "Sweep results"),
    "sweep_note": (
        "填写 python -m simulator sweep SPEC --out DIR 生成的文件夹路径,查看其汇总、"
        "敏感性指数与 PRIM 区间(只读,不写入该文件夹)。",
        "Give the folder written by python -m simulator sweep SPEC --out DIR to see its"
        " summary, sensitivity indices and PRIM boxes (read only).",
    ),
    "sweep_folder": ("扫描结果文件夹", "Sweep folder"),
    "sweep_error": ("无法读取扫描结果:{error}", "Cannot read the sweep: {error}"),
    "sweep_summary": (
        "扫描 **{name}**:{method} 设计,{runs} 次运行;变动:{varied}。",
        "Sweep **{name}**: {method} design, {runs} runs; varied: {varied}.",
    ),
    "sweep_targets": ("各目标在扫描中的达成情况", "Targets over the sweep"),
    "sweep_share": ("达成运行占比 %", "Runs meeting it %"),
    "sweep_sensitivity": ("敏感性指数({method} 设计)", "Sensitivity indices ({method} design)"),
    "sweep_no_indices": ("该扫描没有敏感性指数。", "This sweep has no sensitivity indices."),
    "sweep_prim": ("PRIM 区间:目标最常达成的杠杆范围", "PRIM boxes: ranges where targets are met"),
    "sweep_no_boxes": (
        "没有需要限定范围的目标(在所有运行或无一运行中达成)。",
        "No target needs a restricted range (met in every run or in none).",
    ),
    "prim_low": ("下限", "low"),
    "prim_high": ("上限", "high"),
    "prim_density": ("区间内达成率 %", "met in the box %"),
    "prim_base_density": ("全部运行达成率 %", "met in all runs %"),
    "prim_mass": ("区间内运行占比 %", "runs in the box %"),
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


# Goal seeking page (目标反推, issue #19): kept in one block to ease merging.
STRINGS.update({
    "page_goal_seek": ("目标反推", "Goal seeking"),
    "gs_intro": (
        "寻找以给定概率达成所选规划目标的最低成本政策组合:在校准集合的每个成员上检验目标"
        "(机会约束),成本为首个决策年至目标年的累计贴现财政成本。",
        "Finds the cheapest policy mix that meets the chosen targets with a given probability:"
        " each target is checked on every member of the calibrated ensemble (chance"
        " constraints); the cost is the cumulative discounted fiscal cost from the first"
        " decision year to the target year.",
    ),
    "gs_no_targets": (
        "当前情景没有规划目标;请在侧栏选择“规划”预设或上传带目标的情景。",
        "The current scenario has no targets; pick the Plan preset in the sidebar or upload a"
        " scenario with targets.",
    ),
    "gs_targets": ("要达成的目标", "Targets to meet"),
    "gs_targets_help": (
        "来自当前情景的规划目标(指标@年份);也可输入 指标@年份。",
        "The current scenario's targets (indicator@YEAR); you may also type indicator@YEAR.",
    ),
    "gs_edit": ("修改目标值与年份", "Edit thresholds and years"),
    "gs_threshold": ("{name}:目标值", "{name}: threshold"),
    "gs_year": ("{name}:年份", "{name}: year"),
    "gs_probability": ("要求的达成概率 p", "Required probability p"),
    "gs_probability_help": (
        "每项目标须在至少 p 比例的集合成员中达成,p 在 (0, 1] 内。",
        "Each target must be met in at least a share p of the members; p in (0, 1].",
    ),
    "gs_levers": ("可调政策杠杆", "Levers to search"),
    "gs_levers_help": (
        "只列出已设定单位成本的杠杆(simulator/data/lever_costs.yaml);未选的杠杆沿用情景路径。",
        "Levers with a stated unit cost (simulator/data/lever_costs.yaml); levers not chosen"
        " keep the scenario's paths.",
    ),
    "gs_bounds": ("杠杆搜索范围", "Search bounds of the levers"),
    "gs_low": ("{name}:下限", "{name}: lower"),
    "gs_high": ("{name}:上限", "{name}: upper"),
    "gs_budget": ("预算上限(亿元,留空则不设)", "Budget cap, 亿元 (empty: none)"),
    "gs_generations": ("最多迭代代数", "Generations at most"),
    "gs_start_in_target_year": (
        "允许杠杆在目标年当年才开始", "Let a lever start in the target year"
    ),
    "gs_start_help": (
        "默认不允许:年度流量指标当年即响应,当年才启动的杠杆只会造成一年的突增。",
        "Off by default: yearly flows answer within the year, so a lever started in the"
        " target year only makes a one-year spike.",
    ),
    "gs_run": ("开始反推", "Find the cheapest mix"),
    "gs_progress": (
        "第 {generation}/{total} 代,已试 {candidates} 个组合;{best}",
        "Generation {generation}/{total}, {candidates} mixes tried; {best}",
    ),
    "gs_best": ("目前最低可行成本 {cost} 亿元", "cheapest feasible so far {cost} 亿元"),
    "gs_none_yet": ("尚无可行组合", "none feasible yet"),
    "gs_error": ("无法反推:{error}", "Cannot search: {error}"),
    "gs_cost": ("累计贴现财政成本 [亿元]", "Discounted fiscal cost [亿元]"),
    "gs_plan_cost": ("规划组合成本 [亿元]", "Plan's mix cost [亿元]"),
    "gs_mix": ("政策组合", "The mix"),
    "gs_lever": ("杠杆", "Lever"),
    "gs_plan_level": ("规划水平", "Plan's level"),
    "gs_level": ("新水平", "New level"),
    "gs_start": ("起始年", "From year"),
    "gs_probabilities": ("各目标达成概率", "Probability of each target"),
    "gs_p_required": ("要求 [%]", "Required [%]"),
    "gs_p_met": ("搜索集合 [%]", "Search ensemble [%]"),
    "gs_p_recheck": ("新集合复核 [%]", "Fresh ensemble [%]"),
    "gs_p_plan": ("规划组合 [%]", "Plan's mix [%]"),
    "gs_value_at_p": ("p 分位值", "Value at p"),
    "gs_margin": ("余量 [%]", "Margin [%]"),
    "gs_binds": ("起约束作用", "Binds"),
    "gs_run_note": (
        "情景 {name};每个集合 {n} 个成员,搜索种子 {seed},复核种子 {recheck};"
        "{runs} 次模型运行,用时 {seconds} 秒。",
        "Scenario {name}; {n} members per ensemble, search seed {seed}, re-check seed"
        " {recheck}; {runs} model runs in {seconds} s.",
    ),
    "gs_tradeoff": ("成本-概率权衡", "Cost-probability trade-off"),
    "gs_download": ("下载结果(ZIP)", "Download the results (ZIP)"),
    "gs_download_yaml": ("下载组合情景 YAML", "Download the mix as scenario YAML"),
    "gs_send": ("在情景探索中打开", "Open in Explore"),
})
