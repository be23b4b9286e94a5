"""Run any Vensim (``.mdl``) or XMILE model with its own defaults.

Two engines are available:

``"pysd"``
    The reference implementation: PySD translates the model to Python and
    integrates it one scenario at a time.
``"batch"``
    The vectorised NumPy engine of :mod:`simulator.batch`, built from the
    same PySD translator output, run here with a single scenario.

PySD's translation is cached on disk, keyed by the SHA-256 of the model
file's content, so an unchanged file is never translated twice (see
:func:`load_pysd_model`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pandas as pd

#: Engines accepted by :func:`simulate_file`.
ENGINES = ("pysd", "batch")

#: File extensions PySD can translate, mapped to the translator kind.
MODEL_SUFFIXES = {".mdl": "vensim", ".xmile": "xmile", ".xml": "xmile", ".stmx": "xmile"}

#: Environment variable that overrides the cache root
#: (default ``~/.cache/innovation-dynamics``).
CACHE_ENV_VAR = "INNOVATION_DYNAMICS_CACHE"


def cache_root() -> Path:
    """Return the root folder of the on-disk cache.

    Returns
    -------
    pathlib.Path
        ``$INNOVATION_DYNAMICS_CACHE`` when set and non-empty, otherwise
        ``~/.cache/innovation-dynamics``.
    """
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "innovation-dynamics"


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
    if not model_path.is_file():
        raise FileNotFoundError(f"model file not found: '{model_path}'")
    suffix = model_path.suffix.lower()
    if suffix not in MODEL_SUFFIXES:
        raise ValueError(
            f"unsupported model file '{model_path}': extension {suffix!r} is not one "
            f"of {sorted(MODEL_SUFFIXES)}"
        )
    return model_path.resolve(), MODEL_SUFFIXES[suffix]


def one_line(error: BaseException) -> str:
    """Summarise an exception as ``"TypeName: first line of message"``.

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
    return f"{type(error).__name__}: {lines[0] if lines else 'no message'}"


def _translate_into(model_path: Path, kind: str, target: Path) -> Path:
    """Copy ``model_path`` into ``target`` and translate it there with PySD."""
    import pysd

    target.mkdir(parents=True, exist_ok=True)
    copy = target / model_path.name
    shutil.copyfile(model_path, copy)
    reader = pysd.read_vensim if kind == "vensim" else pysd.read_xmile
    try:
        reader(str(copy), initialize=False)
    except Exception as error:  # PySD raises many types; report one
        raise ValueError(
            f"PySD cannot translate model file '{model_path}': {one_line(error)}"
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
    Only the model file is copied: models that read external data files
    (GET XLS ...) by relative path are not supported here.

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
    py_file = final_dir / model_path.with_suffix(".py").name
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
                if not py_file.is_file():  # lost a race and the winner failed
                    raise
        finally:
            if work_dir.exists():
                shutil.rmtree(work_dir, ignore_errors=True)
    return pysd.load(str(py_file))


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"{engine!r} is not a valid engine. It must be one of {set(ENGINES)!r}")


def simulate_file(path: str | os.PathLike, engine: str = "pysd") -> pd.DataFrame:
    """Run a model with its own control settings and return every variable.

    Parameters
    ----------
    path : str or os.PathLike
        Path to a Vensim ``.mdl`` file or an XMILE file (both engines read
        it with PySD's translator).
    engine : {"pysd", "batch"}, default "pysd"
        ``"pysd"`` runs PySD; ``"batch"`` runs :mod:`simulator.batch` with a
        single scenario.

    Returns
    -------
    pandas.DataFrame
        One column per model variable, named as in the model file (control
        variables ``INITIAL TIME``, ``FINAL TIME``, ``TIME STEP`` and
        ``SAVEPER`` included), one row per saved time; the index is named
        ``Time`` and holds model time [model time unit].

    Raises
    ------
    FileNotFoundError
        If the model file does not exist.
    ValueError
        If ``engine`` is unknown, the extension is unsupported or the model
        cannot be translated.

    Examples
    --------
    >>> df = simulate_file("models/regional_innovation.mdl")  # doctest: +SKIP
    >>> df.index.name
    'Time'
    """
    _check_engine(engine)
    if engine == "batch":
        check_model_path(path)
        from simulator.batch import compile_model

        return compile_model(path).run_dataframe()
    model = load_pysd_model(path)
    frame = run_pysd(model)
    frame.index.name = "Time"
    return frame


def run_pysd(model, **run_kwargs) -> pd.DataFrame:
    """Call ``model.run(**run_kwargs)`` without PySD's pandas deprecation noise.

    PySD 3.14 calls ``DataFrame.set_index(..., inplace=True)``, which pandas
    3.1 deprecates with a ``Pandas4Warning``; that warning (and only that
    one) is silenced here because the project runs with warnings as errors
    and the call is not ours to fix.

    Parameters
    ----------
    model : pysd.py_backend.model.Model
        A loaded PySD model.
    **run_kwargs
        Passed to :meth:`pysd.py_backend.model.Model.run`.

    Returns
    -------
    pandas.DataFrame
        What ``model.run`` returns.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="The inplace keyword in DataFrame.set_index is deprecated"
        )
        return model.run(**run_kwargs)
