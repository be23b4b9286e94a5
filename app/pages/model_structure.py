"""Model: the causal diagram drawn from PySD's recorded dependencies, feedback loops, equations."""

from __future__ import annotations

import streamlit as st

from app import state, widgets
from simulator import app_logic, battery, model_diagram
from simulator.app_logic import model_text, terms

tr = state.tr


@st.cache_data(show_spinner=False)
def _graph(sha256: str) -> dict[str, set[str]]:
    """Return the causal graph of the loaded model (cached by the model's hash)."""
    return app_logic.causal_graph(state.model())


@st.cache_data(show_spinner=False)
def _loops(sha256: str, max_length: int) -> list[list[str]]:
    return app_logic.simple_cycles(_graph(sha256), max_length)


@st.cache_data(show_spinner=False)
def _links(sha256: str) -> dict:
    """Each causal link's measured polarity (cached by the model's hash)."""
    return app_logic.link_polarity(_graph(sha256), state.model())


@st.cache_data(show_spinner=False)
def _view_png(sha256: str, view: str, lang: str) -> bytes:
    """Return one sector view of the model's stock-and-flow diagram as PNG (cached by hash)."""
    labels = None
    if lang == "zh":  # the variables and the sector in Chinese
        labels = {v.vensim_name: terms.variable_label(v.vensim_name, lang)
                  for v in state.model().variables.values()}
    return app_logic.figure_png(model_diagram.view_figure(
        state.model().path, view, labels=labels, title=model_text.view_label(view, lang)))


def render() -> None:
    """Draw the page."""
    widgets.sidebar()
    lang = state.lang()
    model = state.model()
    st.title(tr("page_model"))
    graph = _graph(model.sha256)
    names = {name: terms.variable_label(model.variables[name].vensim_name, lang) for name in graph}

    st.subheader(tr("stock_flow"))
    views = model_diagram.view_names(model.path)
    if views:
        view = st.selectbox(tr("sector"), views, key="_model_view",
                            format_func=lambda v: model_text.view_label(v, lang))
        st.image(_view_png(model.sha256, view, lang))
        st.caption(tr("stock_flow_legend"))

    st.subheader(tr("diagram"))
    columns = st.columns(3)
    focus = columns[0].selectbox(
        tr("focus"),
        sorted(graph, key=names.get),
        format_func=names.get,
        index=sorted(graph, key=names.get).index("high_tech_enterprises"),
        key="_model_focus",
    )
    depth = columns[1].slider(tr("depth"), 1, 4, 1, key="_model_depth")
    constants = columns[2].checkbox(tr("show_constants"), value=False, key="_model_constants")
    nodes = app_logic.neighbourhood(graph, focus, depth)
    st.graphviz_chart(
        app_logic.dot_source(graph, nodes, model, lang=lang, show_constants=constants, focus=focus)
    )
    st.caption(tr("legend"))
    info = model.variables[focus]
    equation = model.equations.get(info.vensim_name, "")
    # zh: the Vensim name, the equation's names and the comment in Chinese (model_text)
    vensim = "" if lang == "zh" else f" ({info.vensim_name})"
    st.markdown(
        f"**{names[focus]}**{vensim} · {tr('kind')}:"
        f" {terms.kind_label(info.kind, lang)}"
        f" · {tr('unit')}: `{terms.unit_label(info.unit, lang)}`"
    )
    st.code(f"{names[focus]} = {model_text.equation_label(equation, lang)}", language=None)
    st.caption(f"{tr('comment')}: {model_text.comment_note(info.comment, lang)}")

    st.subheader(tr("loops"))
    max_length = st.slider(tr("max_loop_length"), 2, 12, 8, key="_model_loop_length")
    loops = _loops(model.sha256, max_length)
    st.write(tr("loops_found", n=len(loops), k=max_length))
    table = app_logic.loops_table(loops, _links(model.sha256), names)
    counts = table["polarity"].value_counts()
    st.write(tr("loop_counts", r=counts.get("R", 0), b=counts.get("B", 0), u=counts.get("?", 0),
                z=counts.get("0", 0)))
    st.dataframe(table.rename(columns={"polarity": tr("loop_polarity"),
                                       "length": tr("loop_length"), "loop": tr("loop")}),
                 hide_index=True)
    st.caption(tr("loop_polarity_caption"))

    st.subheader(tr("variables"))
    table = app_logic.variables_table(model)
    table.insert(0, "name", [terms.variable_label(v, lang) for v in table["variable"]])
    table["kind"] = [terms.kind_label(k, lang) for k in table["kind"]]
    table["unit"] = [terms.unit_label(u, lang) for u in table["unit"]]
    table["equation"] = [model_text.equation_label(e, lang) for e in table["equation"]]
    table["comment"] = [model_text.comment_note(c, lang) for c in table["comment"]]
    if lang == "zh":  # code and Vensim names: the English page
        table = table.drop(columns=["py_name", "variable"])
        st.caption(tr("comments_in_english"))
    st.dataframe(
        table.rename(
            columns={
                "name": tr("variables"),
                "variable": tr("vensim_name"),
                "py_name": tr("py_name"),
                "kind": tr("kind"),
                "unit": tr("unit"),
                "equation": tr("equation"),
                "comment": tr("comment"),
            }
        ),
        hide_index=True,
    )

    _checks(lang)


def _checks(lang: str) -> None:
    """Run the validation battery on the planner's current scenario, on request.

    The result stays on the page while the scenario is unchanged (other widgets
    rerun the page) and is dropped once a lever, region or preset changes it.
    """
    st.subheader(tr("checks"))
    st.caption(tr("checks_help"))
    clicked = st.button(tr("run_checks"), key="_run_checks")
    stored = st.session_state.get("checks_result")  # (scenario key, summary)
    if not clicked and stored is None:
        return
    try:
        _, scenario = state.scenarios()  # an uploaded scenario is read here too
        key = scenario.to_yaml()
        if clicked:
            with st.spinner(tr("run_checks")):
                summary, _ = battery.validate_scenario(scenario, model=state.model())
            st.session_state["checks_result"] = (key, summary)
        elif stored[0] == key:
            summary = stored[1]
        else:  # the scenario changed since the run: its result no longer applies
            del st.session_state["checks_result"]
            return
    except (ValueError, TypeError, KeyError) as error:  # UnknownNameError is a KeyError
        st.session_state.pop("checks_result", None)
        widgets.error_box("checks_error", error)
        return
    table = app_logic.validation_table(summary, lang)
    failed = int((~table["ok"]).sum())
    if failed:
        st.error(tr("checks_failed", k=failed, n=len(table)))
    else:
        st.success(tr("checks_passed", n=len(table)))
    table["ok"] = [tr("check_pass") if ok else tr("check_fail") for ok in table["ok"]]
    st.dataframe(table.rename(columns={"check": tr("check"), "ok": tr("check_result"),
                                       "detail": tr("check_detail")}), hide_index=True)


render()
