"""Dimension algebra for Vensim unit strings.

A :class:`Dimension` is a product of named base units raised to rational
exponents, e.g. ``亿元/(家*Year)`` is ``{亿元: 1, 家: -1, Year: -1}``.
Any word that is not a known synonym becomes its own base unit, so Chinese
unit names (亿元, 家, 项, 人) and multi-word names (``Degrees Fahrenheit``)
need no registry. This is deliberately smaller than ``pint``: there are no
conversion factors, so ``Month`` and ``Year`` are different dimensions and
mixing them is reported as an inconsistency.

Conventions (documented choices, not Vensim facts unless cited):

- ``Dmnl``, ``dimensionless``, ``1``, ``fraction`` and ``%`` are
  dimensionless. ``%`` is treated as dimensionless rather than as a
  distinct unit, so ``%`` and ``Dmnl`` may be added; the factor 100 is the
  model's business, as in Vensim.
- Names are compared case-insensitively with runs of whitespace or
  underscores collapsed (Vensim's help shows ``Nails/month`` in a message
  about a unit written ``Month``, which suggests it ignores case).
- Synonyms: Vensim's new-model defaults (the ``22:`` lines it writes into
  every ``.mdl``: Year/Years, Month/Months, Week/Weeks, Day/Days,
  Hour/Hours, Person/People/Persons, Unit/Units, Dollar/Dollars/$) plus our
  own additions Minute/Minutes/min, Second/Seconds/sec, hr and yr/yrs, so
  that e.g. the teacup test model's ``Minutes`` and ``Minute`` agree. A
  model's own ``22:`` lines may add more (see :func:`parse_units`'s
  ``synonyms``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

__all__ = ["DEFAULT_SYNONYMS", "DIMENSIONLESS", "Dimension", "parse_units", "synonym_table"]

# Groups of spellings meaning one unit; the first spelling is the display name.
# Vensim writes the first eight groups (without "hr", "yr", "yrs") as "22:" lines
# into every new model (see e.g. ../shared/testmodels/teacup/teacup.mdl); the
# Minute and Second groups and the abbreviations are this project's additions.
DEFAULT_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("$", "Dollar", "Dollars", "$s"),
    ("Day", "Days"),
    ("Hour", "Hours", "hr"),
    ("Month", "Months"),
    ("Person", "People", "Persons"),
    ("Unit", "Units"),
    ("Week", "Weeks"),
    ("Year", "Years", "yr", "yrs"),
    ("Minute", "Minutes", "min"),
    ("Second", "Seconds", "sec"),
)

_DIMENSIONLESS_WORDS = frozenset({"dmnl", "dimensionless", "fraction", "%", "1"})
_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d*)?)|(?P<op>[*/^()])|(?P<name>[^*/^()]+))")


def _key(name: str) -> str:
    """Return the comparison key of a unit name (case-folded, spaces collapsed)."""
    return " ".join(name.replace("_", " ").split()).casefold()


def synonym_table(groups=DEFAULT_SYNONYMS) -> dict[str, str]:
    """Map every spelling's key to the display name of its synonym group.

    Parameters
    ----------
    groups : iterable of sequence of str
        Synonym groups; the first entry of each group is its display name.

    Returns
    -------
    dict
        ``{key: display_name}``, e.g. ``{"years": "Year", "year": "Year"}``.
    """
    table = {}
    for group in groups:
        names = [n.strip() for n in group if n.strip()]
        for name in names:
            table[_key(name)] = names[0]
    return table


_DEFAULT_TABLE = synonym_table()


def _format_power(label: str, power: Fraction) -> str:
    if power == 1:
        return label
    if power.denominator == 1:
        return f"{label}^{power.numerator}"
    return f"{label}^({power.numerator}/{power.denominator})"


@dataclass(frozen=True)
class Dimension:
    """A product of named base units with rational exponents.

    Parameters
    ----------
    powers : tuple of (str, Fraction)
        Sorted ``(key, exponent)`` pairs with non-zero exponents. Build
        instances with :func:`parse_units`, :meth:`base` or arithmetic
        rather than by hand.
    labels : tuple of (str, str)
        Display spelling of each key. Ignored by ``==`` and ``hash``.

    Examples
    --------
    >>> money = parse_units("亿元")
    >>> str(money / parse_units("家*Year"))
    '亿元/(Year*家)'
    >>> parse_units("1/Years") == parse_units("year^-1")
    True
    """

    powers: tuple = ()
    labels: tuple = field(default=(), compare=False)

    @classmethod
    def base(cls, name: str, synonyms: dict[str, str] | None = None) -> Dimension:
        """Return the dimension of one named unit (``Dmnl`` for ``%``, ``1``...)."""
        table = _DEFAULT_TABLE if synonyms is None else synonyms
        label = " ".join(name.replace("_", " ").split())
        key = _key(label)
        if key in _DIMENSIONLESS_WORDS:
            return DIMENSIONLESS
        label = table.get(key, label)
        key = _key(label)
        return cls(((key, Fraction(1)),), ((key, label),))

    @staticmethod
    def _combine(pairs, labels) -> Dimension:
        total: dict[str, Fraction] = {}
        for key, power in pairs:
            total[key] = total.get(key, Fraction(0)) + power
        kept = tuple(sorted((k, p) for k, p in total.items() if p != 0))
        names = dict(reversed(labels))  # first spelling seen wins
        return Dimension(kept, tuple((k, names.get(k, k)) for k, _ in kept))

    def __mul__(self, other: Dimension) -> Dimension:
        """Multiply two dimensions (exponents add)."""
        if not isinstance(other, Dimension):
            return NotImplemented
        return self._combine(self.powers + other.powers, self.labels + other.labels)

    def __truediv__(self, other: Dimension) -> Dimension:
        """Divide two dimensions (exponents subtract)."""
        if not isinstance(other, Dimension):
            return NotImplemented
        return self * other ** -1

    def __pow__(self, exponent) -> Dimension:
        """Raise to an integer or rational exponent."""
        exp = Fraction(exponent)
        return self._combine(tuple((k, p * exp) for k, p in self.powers), self.labels)

    @property
    def is_dimensionless(self) -> bool:
        """Whether no base unit is left (``Dmnl``)."""
        return not self.powers

    def __str__(self) -> str:
        """Vensim-style text, e.g. ``亿元/(Year*家)`` or ``Dmnl``."""
        if not self.powers:
            return "Dmnl"
        names = dict(self.labels)
        num = [_format_power(names.get(k, k), p) for k, p in self.powers if p > 0]
        den = [_format_power(names.get(k, k), -p) for k, p in self.powers if p < 0]
        text = "*".join(num) if num else "1"
        if den:
            joined = "*".join(den)
            text += "/" + (f"({joined})" if len(den) > 1 else joined)
        return text


DIMENSIONLESS = Dimension()


class _Parser:
    """Recursive-descent parser: expr := term (('*'|'/') term)*; term := atom ('^' power)?."""

    def __init__(self, text: str, synonyms: dict[str, str]):
        self.text = text
        self.synonyms = synonyms
        self.tokens = self._tokenize(text)
        self.pos = 0

    def _error(self, why: str) -> ValueError:
        return ValueError(
            f"Cannot parse units {self.text!r}: {why}. Valid units are names "
            "(e.g. 亿元, Year, Degrees Fahrenheit), Dmnl, 1, % combined with "
            "*, /, ^ and parentheses, e.g. '亿元/(家*Year)'."
        )

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens, pos = [], 0
        stripped = text.rstrip()
        while pos < len(stripped):
            match = _TOKEN.match(stripped, pos)
            kind = match.lastgroup
            value = match.group(kind).strip()
            if kind == "name" and value[:1] in "-+" and value[1:].strip().isdigit():
                kind = "num"  # negative exponent such as Year^-1
            tokens.append((kind, value))
            pos = match.end()
        return tokens

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise self._error("unexpected end")
        self.pos += 1
        return token

    def parse(self) -> Dimension:
        if not self.tokens:
            raise self._error("it is empty")
        result = self._expr()
        if self._peek() is not None:
            raise self._error(f"unexpected {self._peek()[1]!r}")
        return result

    def _expr(self) -> Dimension:
        result = self._term()
        while self._peek() in (("op", "*"), ("op", "/")):
            op = self._take()[1]
            right = self._term()
            result = result * right if op == "*" else result / right
        return result

    def _term(self) -> Dimension:
        result = self._atom()
        if self._peek() == ("op", "^"):
            self._take()
            result = result ** self._power()
        return result

    def _power(self) -> Fraction:
        kind, value = self._take()
        if kind == "num":
            return Fraction(value.replace(" ", ""))
        if (kind, value) == ("op", "("):
            num = self._take()
            power = Fraction(num[1].replace(" ", "")) if num[0] == "num" else None
            if self._peek() == ("op", "/"):
                self._take()
                den = self._take()
                power = power / Fraction(den[1]) if den[0] == "num" and power else None
            if power is None or self._take() != ("op", ")"):
                raise self._error("an exponent must be a number such as 2, -1 or (1/2)")
            return power
        raise self._error(f"exponent {value!r} is not a number")

    def _atom(self) -> Dimension:
        kind, value = self._take()
        if kind == "num":
            if Fraction(value) != 1:
                raise self._error(f"the number {value} is not a unit (only 1 is)")
            return DIMENSIONLESS
        if kind == "name":
            return Dimension.base(value, self.synonyms)
        if value == "(":
            inner = self._expr()
            if self._take() != ("op", ")"):
                raise self._error("a parenthesis is not closed")
            return inner
        raise self._error(f"unexpected {value!r}")


def parse_units(text: str, synonyms: dict[str, str] | None = None) -> Dimension:
    """Parse a Vensim unit string into a :class:`Dimension`.

    Parameters
    ----------
    text : str
        Units as written after the first ``~`` of a Vensim equation, without
        the ``[min,max]`` range, e.g. ``亿元/Year``, ``1/Year``, ``Dmnl``,
        ``%``, ``亿元/(家*Year)``, ``Degrees Fahrenheit/Minute``, ``m^2``.
    synonyms : dict, optional
        ``{key: display_name}`` from :func:`synonym_table`; defaults to
        Vensim's default synonym groups (:data:`DEFAULT_SYNONYMS`).

    Returns
    -------
    Dimension
        The parsed dimension; ``DIMENSIONLESS`` for ``Dmnl``, ``1`` or ``%``.

    Raises
    ------
    ValueError
        If ``text`` is empty or malformed; the message names the text.

    Examples
    --------
    >>> str(parse_units("亿元/(家*Years)"))
    '亿元/(Year*家)'
    >>> parse_units("%") == parse_units("Dmnl")
    True
    """
    if not isinstance(text, str):
        raise TypeError(f"units must be a str, got {type(text).__name__}: {text!r}")
    table = _DEFAULT_TABLE if synonyms is None else synonyms
    return _Parser(text, table).parse()
