"""The translation cache: a model file read once per content, for both engines.

PySD translates a ``.mdl`` (or XMILE) file into Python; the batch engine
compiles PySD's *abstract model* of the same file. Both products are cached
on disk under :func:`simulator.paths.cache_root`, keyed by the SHA-256 of
the file's content and the PySD version, and written atomically, so an
unchanged file is never translated or parsed twice, by any process.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

from simulator.paths import cache_root

#: File extensions PySD can translate, mapped to the translator kind.
MODEL_SUFFIXES = {".mdl": "vensim", ".xmile": "xmile", ".xml": "xmile", ".stmx": "xmile"}

def file_sha256(path: str | os.PathLike) -> str:
    """Return the hexadecimal SHA-256 digest of a file's content.

    Parameters
    ----------
    path : str or os.PathLike
        File to hash.

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_model_path(path: str | os.PathLike) -> tuple[Path, str]:
    """Validate a model path and return it with its translator kind.

    Parameters
    ----------
    path : str or os.PathLike
        Path to a ``.mdl`` or XMILE model file.

    Returns
    -------
    path : pathlib.Path
        The resolved path.
    kind : {"vensim", "xmile"}
        Which PySD translator reads the file.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the extension is not one PySD can translate.
    """
    model_path = Path(path).expanduser()
    if model_path.is_dir():
        raise IsADirectoryError(f"model file '{model_path}' is a directory, not a model file")
    if not model_path.is_file():
        raise FileNotFoundError(f"model file not found: '{model_path}'")
    suffix = model_path.suffix.lower()
    if suffix not in MODEL_SUFFIXES:
        raise ValueError(
            f"unsupported model file '{model_path}': extension {suffix!r} is not one "
            f"of {sorted(MODEL_SUFFIXES)}"
        )
    _check_text(model_path)
    return model_path.resolve(), MODEL_SUFFIXES[suffix]


#: Largest model file read (the core model is 76 kB; PySD parses the whole text at once).
MAX_MODEL_BYTES = 20_000_000
#: Most elements of a numbered subscript range such as ``(a1-a1000000000)``: the translator
#: builds every name before anything could refuse it.
MAX_SUBSCRIPT_RANGE = 100_000
_NUMBERED_RANGE = re.compile(r"\(\s*([^\W\d]\w*?)(\d+)\s*-\s*\1(\d+)\s*\)")


def _check_text(model_path: Path) -> None:
    """Refuse, by name, a model file that is empty, UTF-16 or binary.

    PySD's parser would otherwise fail on it with a grammar error or a
    TypeError that does not say what is wrong with the file.
    """
    with open(model_path, "rb") as handle:
        head = handle.read(1 << 16)
    if not head.strip():
        raise ValueError(f"model file '{model_path}' is empty")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(
            f"model file '{model_path}' is UTF-16 text; save it as UTF-8 (Vensim: a .mdl "
            "with {UTF-8} on its first line)"
        )
    if b"\x00" in head:
        raise ValueError(f"model file '{model_path}' is not a text model file (binary content)")
    size = model_path.stat().st_size
    if size > MAX_MODEL_BYTES:
        raise ValueError(f"model file '{model_path}' is {size:,} bytes, over the"
                         f" {MAX_MODEL_BYTES:,}-byte limit of a model file")
    text = model_path.read_bytes().decode("utf-8", "replace")
    for match in _NUMBERED_RANGE.finditer(text):
        first, last = int(match.group(2)), int(match.group(3))
        if last - first + 1 > MAX_SUBSCRIPT_RANGE:
            raise ValueError(
                f"model file '{model_path}': the subscript range {match.group(0)[:60]!r} has"
                f" {last - first + 1:,} elements, over the bound of {MAX_SUBSCRIPT_RANGE:,}"
                " (each element is held in memory by the translator and every run)"
            )


def pysd_problem(error: BaseException) -> str:
    """Say in one line what a PySD failure means, naming the construct where known."""
    if isinstance(error, RecursionError):
        return ("expressions nested too deeply, or a variable defined in terms of itself "
                "(RecursionError)")
    if isinstance(error, KeyError) and error.args:
        return f"the model refers to {error.args[0]!r}, which it does not define"
    if isinstance(error, TypeError) and "encoding" in str(error):
        return "its text encoding cannot be detected: is it a Vensim .mdl text file?"
    if isinstance(error, ZeroDivisionError):
        return "division by zero during the run (ZeroDivisionError)"
    return one_line(error)


@contextmanager
def pysd_warnings_as_lines():
    """Re-issue PySD's warnings as one-line UserWarnings (``"PySD: ..."``), once each.

    When the block fails, its warnings are dropped: the error's one line
    says what went wrong, and the warnings only led up to it.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen = set()
    for item in caught:
        if issubclass(item.category, DeprecationWarning):
            continue  # PySD's own imports (chardet): not the user's model
        text = " ".join(str(item.message).split())
        if text not in seen:
            seen.add(text)
            warnings.warn(f"PySD: {text}", UserWarning, stacklevel=3)


def one_line(error: BaseException) -> str:
    """Summarise an exception on one line: ``"TypeName: its lines joined"``.

    PySD puts the variable's name on a message's first line and the problem
    on the next, so all lines are kept (joined by ``": "``, cut at 300
    characters).

    Parameters
    ----------
    error : BaseException
        The exception to summarise.

    Returns
    -------
    str
        A single line of text.
    """
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = ": ".join(lines) if lines else "no message"
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(error).__name__}: {text}"


def _translate_into(model_path: Path, kind: str, target: Path) -> Path:
    """Copy ``model_path`` into ``target`` and translate it there with PySD."""
    import pysd

    target.mkdir(parents=True, exist_ok=True)
    copy = target / model_path.name
    shutil.copyfile(model_path, copy)
    reader = pysd.read_vensim if kind == "vensim" else pysd.read_xmile
    try:
        with pysd_warnings_as_lines():
            reader(str(copy), initialize=False)
    except Exception as error:  # PySD raises many types; report one
        raise ValueError(
            f"PySD cannot translate model file '{model_path}': {pysd_problem(error)}"
        ) from error
    return copy.with_suffix(".py")


def pysd_cache_dir(path: str | os.PathLike) -> Path:
    """Return the cache folder for a model file's PySD translation.

    Parameters
    ----------
    path : str or os.PathLike
        Path to the model file.

    Returns
    -------
    pathlib.Path
        ``<cache root>/pysd-<PySD version>/<SHA-256 of the file>``; the
        PySD version is part of the key because a translation only loads in
        the version that wrote it.
    """
    import pysd

    return cache_root() / f"pysd-{pysd.__version__}" / file_sha256(path)


def load_pysd_model(path: str | os.PathLike):
    """Translate a model with PySD (cached) and load it.

    The model file is copied into :func:`pysd_cache_dir` and translated
    there, because PySD writes the generated ``.py`` beside its input. When
    the translation already exists for a file with the same content it is
    loaded directly with :func:`pysd.load`. Each call returns a fresh
    :class:`pysd.py_backend.model.Model`, so callers may change it freely.
    Data files the model reads (GET XLS, GET DIRECT ...) are read from
    beside the original model file, when the model is initialised.

    Parameters
    ----------
    path : str or os.PathLike
        Path to a Vensim ``.mdl`` or XMILE (``.xmile``, ``.xml``,
        ``.stmx``) model file.

    Returns
    -------
    pysd.py_backend.model.Model
        The loaded, initialised model.

    Raises
    ------
    FileNotFoundError
        If the model file does not exist.
    ValueError
        If the extension is unsupported or PySD cannot translate the file.
    """
    import pysd

    model_path, kind = check_model_path(path)
    final_dir = pysd_cache_dir(model_path)
    py_file = _cached_translation(final_dir, model_path)
    if not py_file.is_file():
        final_dir.parent.mkdir(parents=True, exist_ok=True)
        # Translate in a private folder, then rename it into place, so that a
        # concurrent process never loads a half-written translation.
        work_dir = Path(tempfile.mkdtemp(prefix="translate-", dir=final_dir.parent))
        try:
            _translate_into(model_path, kind, work_dir)
            try:
                work_dir.rename(final_dir)
            except OSError:
                py_file = _cached_translation(final_dir, model_path)
                if not py_file.is_file():  # lost a race and the winner failed
                    raise
        finally:
            if work_dir.exists():
                shutil.rmtree(work_dir, ignore_errors=True)
    model = pysd.load(str(py_file), initialize=False)
    _read_data_beside(model, model_path.parent)
    try:
        with pysd_warnings_as_lines():
            model.initialize()
    except Exception as error:  # PySD raises many types; report one
        raise ValueError(
            f"PySD cannot initialise model file '{model_path}': {pysd_problem(error)}"
        ) from error
    return model


def _cached_translation(folder: Path, model_path: Path) -> Path:
    """Return the translation in a cache folder, else where this file's would be.

    The folder is keyed by content, so a file of the same content under another name
    (a copy) finds the translation of the first one instead of failing to rename its own
    onto the folder.
    """
    own = folder / model_path.with_suffix(".py").name
    if own.is_file() or not folder.is_dir():
        return own
    for copy in sorted(folder.glob(f"*{model_path.suffix}")):
        if copy.with_suffix(".py").is_file():
            return copy.with_suffix(".py")
    return own


def _read_data_beside(model, folder: Path) -> None:
    """Point every external-data object (GET XLS, GET DIRECT ...) at ``folder``.

    The translation lives in the cache, but data files named in the model
    sit beside the ``.mdl``. External objects read their files only when
    the model is initialised, relative to their ``root``, so resetting it
    reads the user's current files: nothing is copied, and an edited
    spreadsheet is never served stale from the cache.
    """
    for external in getattr(model, "_external_elements", ()):
        external.root = folder
    for macro in getattr(model, "_macro_elements", ()):
        _read_data_beside(macro, folder)




def abstract_model(path: str | os.PathLike):
    """PySD's abstract model of a file (what the batch engine compiles), cached on disk.

    Parsing the core model takes about 0.9 s and unpickling its abstract
    model about 3 ms, so every process after the first one loads the parse
    instead of repeating it. The pickle sits beside PySD's translation, in
    ``<cache root>/pysd-<version>/<SHA-256>.parsed/``, and is written
    atomically (a concurrent reader sees the whole file or none).

    Parameters
    ----------
    path : str or os.PathLike
        A Vensim ``.mdl`` or XMILE model file.

    Returns
    -------
    pysd.translators.structures.abstract_model.AbstractModel

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the extension is unsupported or PySD cannot parse the file.
    """
    model_path, kind = check_model_path(path)

    def parse():
        try:
            if kind == "vensim":
                from pysd.translators.vensim.vensim_file import VensimFile as Reader
            else:
                from pysd.translators.xmile.xmile_file import XmileFile as Reader
            with pysd_warnings_as_lines():
                source = Reader(model_path)
                source.parse()
                return source.get_abstract_model()
        except Exception as error:  # the translator raises many types; report one
            raise ValueError(
                f"PySD cannot parse model file '{model_path}': {pysd_problem(error)}"
            ) from error

    return cached_pickle(model_path, "abstract-model.pickle", parse)


def cached_pickle(model_path: Path, name: str, build):
    """Return ``build()``'s result for a model file, pickled once in its cache folder.

    A stale or torn entry is rebuilt; the new one is written atomically. A
    cache that cannot be written is skipped (the run is only slower).
    """
    # Beside, not inside, PySD's folder: that one is renamed into place whole.
    folder = pysd_cache_dir(model_path)
    cached = folder.with_name(folder.name + ".parsed") / name
    if cached.is_file():
        try:
            with open(cached, "rb") as handle:
                return pickle.load(handle)
        except Exception:  # noqa: BLE001 - stale or torn: build again
            pass
    value = build()
    tmp = None
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".tmp-", dir=cached.parent)
        with os.fdopen(handle, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cached)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        # An unwritable folder or an unpicklable value: run without the
        # cache, and leave no temporary file behind.
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return value


def vensim_equations(path: str | os.PathLike) -> dict[str, str]:
    """Each variable's equation as written in a Vensim file, by Vensim name.

    Read with PySD's own Vensim parser (``VensimFile``), not by re-parsing
    the text here.
    """
    from pysd.translators.vensim.vensim_file import VensimFile

    vensim = VensimFile(Path(path))
    vensim.parse()
    out = {}
    for section in vensim.sections:
        for element in section.elements:
            name = getattr(element, "name", None)
            if name and hasattr(element, "expression"):
                out[name] = " ".join(str(element.expression).split())
    return out
