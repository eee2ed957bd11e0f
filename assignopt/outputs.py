"""Checks of output paths, made before anything is computed so that no answer is lost."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from assignopt.errors import InputError

__all__ = ["check_output_dir", "check_output_file"]


def check_output_dir(path: str | Path, name: str = "output folder") -> Path:
    """Refuse an output folder that cannot be written, before anything is computed.

    Parameters
    ----------
    path : str or Path
        The folder (created when missing).
    name : str
        How messages name it (a parameter such as ``out_dir``, or "output folder").

    Returns
    -------
    Path

    Raises
    ------
    InputError
        If ``path`` is a file, lies inside a file, or cannot be created or written.
    """
    path = Path(path)
    for parent in (path, *path.parents):
        if parent.exists():
            if not parent.is_dir():
                where = "is a file" if parent == path else f"lies inside the file {parent}"
                raise InputError(f"{name} {path} {where}; choose a folder")
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise InputError(f"{name} {path} cannot be written ({exc.strerror})") from None
    return path


def check_output_file(path: str | Path) -> Path:
    """Refuse an output file whose folder is missing or that cannot be written, before work.

    Raises
    ------
    InputError
        If the folder does not exist, ``path`` is a folder, or it cannot be written.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(f"output file {path} is a folder; give a file name")
    if not folder.is_dir():
        raise InputError(f"output file {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"output file {path} cannot be written (permission denied)")
    return path
