"""What the app's pages compute, without Streamlit.

界面逻辑:由滑块值生成情景、滑块范围、比较表、标签查找与模型结构图。

The pages (``app/`` beside ``app.py``) hold widgets and charts only; everything
they need that is not drawing lives here and is tested without Streamlit:

- :mod:`.scenarios`: presets, slider ranges relative to a region's preset,
  labels (the scenario the sliders set is :meth:`Scenario.with_levers`);
- :mod:`.tables`: targets, comparison tables, CSV and PNG;
- :mod:`.bands`: the parameter draws of Explore's band (drawn once per preset;
  :func:`simulator.runner.run_with_band` runs a scenario and them in one batch);
- :mod:`.structure`: the causal graph PySD records, its feedback loops, and
  each variable's equation, unit and source;
- :mod:`.share_link`: the scenario as a link's query parameters, and back;
- :mod:`.brief`, :mod:`.brief_pdf`, :mod:`.workbook`: the scenario brief as PDF
  (Chinese or English) and the results as an Excel workbook.
"""

from simulator.app_logic.scenarios import (  # noqa: F401
    PRESETS,
    REGION_NAMES,
    SCENARIOS_DIR,
    SLIDER_SPAN,
    SLIDER_STEPS,
    SliderSpec,
    available_presets,
    entry_help,
    entry_label,
    fmt_number,
    group_label,
    is_count,
    is_rate,
    levers_by_group,
    load_preset,
    nice_step,
    optional_module,
    pick,
    preset_path,
    region_label,
    slider_spec,
    slider_specs,
    valid_name,
)
from simulator.app_logic.structure import (  # noqa: F401
    causal_graph,
    dot_source,
    link_polarity,
    loops_table,
    neighbourhood,
    polarity_cases,
    simple_cycles,
    variables_table,
)
from simulator.app_logic.tables import (  # noqa: F401
    REPORTS_DIR,
    all_targets,
    calibration_report,
    comparison_table,
    ensemble_arrays,
    fastest_engine,
    figure_png,
    merge_targets,
    results_csv,
    scorecard_headers,
    targets_frame,
    validation_table,
)
