"""The package version, importable without the package's public names (no import cycle)."""

__all__ = ["__version__"]

__version__ = "0.1.0"
