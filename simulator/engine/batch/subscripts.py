"""Subscripts (Vensim arrays) in the batch engine: named dimensions over NumPy axes.

A subscripted value with dimensions ``dims`` (a tuple of ``(name, elements)``
pairs, in axis order) is an array of shape ``len(elements)...``, the same in
every scenario, or ``(N, len(elements)...)``, one per scenario: the scenario
axis leads, so a region axis vectorises together with it. An unsubscripted
value is a scalar or ``(N,)``, as without subscripts.

Operands are combined as PySD's xarray objects are, by dimension name: each
is aligned to the union of the names (:func:`align`: axes moved into that
order, length-1 axes for the names it lacks), so that NumPy broadcasting
matches equal names. The compiler knows every expression's dimensions, so
it inserts these calls only where shapes differ; models without subscripts
compile to the same calls as before.

The functions here are the runtime side; they are module-level so that a
compiled program can be pickled.
"""

from __future__ import annotations

import numpy as np

from .functions import lookup

#: Dimensions of an unsubscripted value.
SCALAR: tuple = ()


def shape_of(dims: tuple) -> tuple:
    """Return the array shape (without the scenario axis) of ``dims``."""
    return tuple(len(elements) for _, elements in dims)


def names_of(dims: tuple) -> tuple:
    """Return the dimension names of ``dims``."""
    return tuple(name for name, _ in dims)


def union(*all_dims: tuple) -> tuple:
    """Return the dimensions of a combination: names in order of first appearance."""
    out: dict = {}
    for dims in all_dims:
        for name, elements in dims:
            out.setdefault(name, elements)
    return tuple(out.items())


def align(value, ndims: int, order: tuple, shape: tuple):
    """Return ``value`` with its ``ndims`` trailing axes put in ``order`` and reshaped to ``shape``.

    Parameters
    ----------
    value : array_like
        A value with ``ndims`` dimensions, optionally after a scenario axis.
    ndims : int
        Number of subscript dimensions of ``value``.
    order : tuple of int
        Source axis (among the trailing ones) of each target axis that exists.
    shape : tuple of int
        Target shape without the scenario axis: 1 where ``value`` lacks
        the dimension.

    Returns
    -------
    numpy.ndarray
        A view of ``value`` that broadcasts against the target dimensions.
    """
    value = np.asarray(value)
    lead = value.ndim - ndims
    if tuple(order) != tuple(range(ndims)):
        value = np.transpose(value, tuple(range(lead)) + tuple(lead + i for i in order))
    return value.reshape(value.shape[:lead] + tuple(shape))


def broadcast(value, full: tuple):
    """Broadcast an aligned value to the full shape ``full``, keeping any scenario axis."""
    value = np.asarray(value)
    return np.broadcast_to(value, value.shape[: value.ndim - len(full)] + tuple(full))


def select(value, ndims: int, takes: tuple, picks: tuple):
    """Subset the ``ndims`` trailing axes of ``value``.

    Parameters
    ----------
    value : array_like
        The referenced variable's value.
    ndims : int
        Its number of subscript dimensions.
    takes : tuple
        Per axis, None or the element positions to keep (a subrange).
    picks : tuple
        Per axis, None or the position of a single element (the axis is dropped).

    Returns
    -------
    numpy.ndarray
        The subset.
    """
    value = np.asarray(value)
    for axis, take in enumerate(takes):
        if take is not None:
            value = np.take(value, take, axis=axis - ndims)
    if any(pick is not None for pick in picks):
        index = tuple(slice(None) if pick is None else pick for pick in picks)
        value = value[(Ellipsis,) + index]
    return value


def _reduce(function, value, axes):
    return function(value, axis=tuple(axes)) if axes else np.asarray(value)


def vsum(value, axes):
    """Vensim ``SUM`` over the (negative) ``axes``."""
    return _reduce(np.sum, value, axes)


def vprod(value, axes):
    """Vensim ``PROD`` over the (negative) ``axes``."""
    return _reduce(np.prod, value, axes)


def vmin(value, axes):
    """Vensim ``VMIN`` over the (negative) ``axes``."""
    return _reduce(np.min, value, axes)


def vmax(value, axes):
    """Vensim ``VMAX`` over the (negative) ``axes``."""
    return _reduce(np.max, value, axes)


#: Vensim array reductions (PySD clean name) -> function.
REDUCTIONS = {"sum": vsum, "prod": vprod, "vmin": vmin, "vmax": vmax}


def assemble(shape: tuple, parts: tuple, *values):
    """Return an element's value from the values of its equations.

    Parameters
    ----------
    shape : tuple of int
        The element's shape without the scenario axis.
    parts : tuple
        Per equation, ``(index, mask)``: the element positions it defines
        on each axis, and None or a boolean array of the cells it defines
        within them (``:EXCEPT:``).
    *values : array_like
        Each equation's value, with its own (full) shape, optionally
        after a scenario axis.

    Returns
    -------
    numpy.ndarray
        The element's value; cells no equation defines are NaN.
    """
    lead: tuple = ()
    arrays = [np.asarray(value) for value in values]
    for array, (index, _) in zip(arrays, parts):
        if array.ndim > len(index):
            lead = array.shape[:1]
    out = np.full(lead + tuple(shape), np.nan)
    for array, (index, mask) in zip(arrays, parts):
        where = (Ellipsis,) + np.ix_(*index)
        if mask is None:
            out[where] = array
        else:
            block = out[where]
            full = np.broadcast_to(array, block.shape)
            block[..., mask] = full[..., mask]
            out[where] = block
    return out


def lookup_cells(x, ids, tables: tuple, full: tuple):
    """Evaluate a subscripted lookup: in each cell, that cell's table at ``x``.

    Parameters
    ----------
    x : array_like
        The argument, aligned to the result's dimensions (scenario axis optional).
    ids : numpy.ndarray of int
        Index into ``tables`` of each cell, aligned likewise.
    tables : tuple
        ``(xs, ys, method)`` of each table.
    full : tuple of int
        The result's shape without the scenario axis.

    Returns
    -------
    numpy.ndarray
        The values.
    """
    x = np.asarray(x, dtype=float)
    x = np.broadcast_to(x, x.shape[: x.ndim - len(full)] + tuple(full))
    ids = np.broadcast_to(ids, tuple(full))
    out = np.empty(x.shape)
    for cell in np.ndindex(*full):
        where = (Ellipsis,) + cell
        out[where] = lookup(x[where], *tables[ids[cell]])
    return out
