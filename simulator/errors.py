"""Error types and message helpers shared by the package.

Every error a user can cause (a wrong scenario file, an unknown lever, an
out-of-range value) is raised as one of the built-in types below, with a
message that names the problem and the valid choices, so that the CLI and the
app can show it in one line. The checks that raise them for a value (a finite
number, a range, a mapping's keys) are :mod:`simulator.levers`', beside the
lever paths they check.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ScenarioError(ValueError):
    """A scenario (file or dict) is malformed or holds an invalid value."""


class YamlInputError(ScenarioError):
    """A YAML file or text is refused (missing, too large, not UTF-8, malformed, a bomb)."""


class YamlFileNotFoundError(YamlInputError, FileNotFoundError):
    """A YAML file does not exist (also a ``FileNotFoundError``)."""


class UnknownNameError(KeyError):
    """A lever, parameter or indicator name is not in the catalogue.

    ``str()`` gives the plain message (``KeyError`` would quote it).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def did_you_mean(name: str, choices: Iterable[str], n: int = 3) -> str:
    """Return a ``"did you mean ..."`` hint for an unknown name.

    Parameters
    ----------
    name : str
        The name that was not found.
    choices : iterable of str
        The valid names.
    n : int, default 3
        Maximum number of suggestions.

    Returns
    -------
    str
        ``"; did you mean 'a' or 'b'?"`` or an empty string when nothing is close.

    Examples
    --------
    >>> did_you_mean("post_subsidy", ["post_subsidy_rate", "gdp"])
    "; did you mean 'post_subsidy_rate'?"
    """
    close = difflib.get_close_matches(name, list(choices), n=n, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"


def unknown_name(kind: str, name: str, choices: Iterable[str]) -> UnknownNameError:
    """Build the error for an unknown lever, parameter or indicator name."""
    choices = sorted(choices)
    hint = did_you_mean(name, choices)
    many = f"{len(choices)} names; see the catalogue"
    listing = ", ".join(choices) if len(choices) <= 12 else many
    return UnknownNameError(f"unknown {kind} {name!r}{hint} (valid: {listing})")


def yaml_problem(error: Exception) -> str:
    """Describe a YAML parse error for a one-line message: where, then what.

    Parameters
    ----------
    error : yaml.YAMLError
        The parser's error.

    Returns
    -------
    str
        ``" at line 2, column 9: expected ',' or ']', but got '<stream end>'"``
        (the position only when the parser gives one).
    """
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{where}: {problem}"
