"""Error types and message helpers shared by the package.

Every error a user can cause (a wrong scenario file, an unknown lever, an
out-of-range value) is raised as one of the built-in types below, with a
message that names the problem and the valid choices, so that the CLI and the
app can show it in one line.
"""

from __future__ import annotations

import difflib
import math
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


def check_keys(
    mapping: Iterable[object], allowed: Iterable[str], what: str | None = None,
    *, of: str | None = None,
) -> None:
    """Refuse the first key of ``mapping`` that is not in ``allowed``.

    Parameters
    ----------
    mapping : mapping or iterable of keys
        The keys to check (a dict's keys, in its order).
    allowed : iterable of str
        The valid keys.
    what : str, optional
        Where the mapping sits, e.g. ``"target #2"``; starts the message.
    of : str, optional
        What kind of mapping it is, e.g. ``"a step path"``.

    Raises
    ------
    ScenarioError
        ``"<what>: unknown key 'x' for <of>; did you mean 'y'? (valid keys: [...])"``.

    Examples
    --------
    >>> check_keys({"yaer": 2022}, {"year", "value"}, "lever 'a'", of="a step path")
    Traceback (most recent call last):
    ...
    simulator.errors.ScenarioError: lever 'a': unknown key 'yaer' for a step path; \
did you mean 'year'? (valid keys: ['value', 'year'])
    """
    allowed = sorted(allowed)
    for key in mapping:
        if key not in allowed:
            where = f"{what}: " if what else ""
            kind = f" for {of}" if of else ""
            raise ScenarioError(
                f"{where}unknown key {key!r}{kind}{did_you_mean(str(key), allowed)}"
                f" (valid keys: {allowed})"
            )


def unknown_name(kind: str, name: str, choices: Iterable[str]) -> UnknownNameError:
    """Build the error for an unknown lever, parameter or indicator name."""
    choices = sorted(choices)
    hint = did_you_mean(name, choices)
    many = f"{len(choices)} names; see the catalogue"
    listing = ", ".join(choices) if len(choices) <= 12 else many
    return UnknownNameError(f"unknown {kind} {name!r}{hint} (valid: {listing})")


def as_finite_number(value: object, what: str) -> float:
    """Convert ``value`` to a finite float or raise a message naming ``what``.

    Parameters
    ----------
    value : object
        A number, or a string holding one.
    what : str
        How to name the value in the error, e.g. ``"lever 'post_subsidy_rate'"``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If the value is not a number (booleans are refused too).
    ValueError
        If the value is NaN or infinite.
    """
    if isinstance(value, bool) or value is None:
        raise TypeError(f"{what} must be a number, got {value!r}")
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise TypeError(f"{what} must be a number, got {value!r}") from None
    elif isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int of hundreds of digits (issue #22)
            raise ValueError(f"{what} must be finite, got an integer of {len(str(value))}"
                             " digits") from None
    else:
        try:
            number = float(value)  # numpy scalars
        except (TypeError, ValueError):
            raise TypeError(
                f"{what} must be a number, got {type(value).__name__} {value!r}"
            ) from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return number


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


def check_range(entry, value: float) -> float:
    """Return ``value`` if inside the entry's valid range, else raise ValueError.

    ``entry`` is a catalogue entry (:class:`simulator.catalogue.CatalogueEntry`):
    anything with ``name``, ``unit``, ``min`` and ``max`` (None for unbounded).
    """
    low = -math.inf if entry.min is None else entry.min
    high = math.inf if entry.max is None else entry.max
    if not low <= value <= high:
        raise ValueError(
            f"{entry.name} = {value:g} is out of range: valid {_fmt(entry.min)} to"
            f" {_fmt(entry.max)} [{entry.unit}]"
        )
    return value


def _fmt(bound: float | None) -> str:
    return "unbounded" if bound is None else f"{bound:g}"
