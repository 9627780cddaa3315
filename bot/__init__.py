"""peerpulse: a privacy-first chat bot for peer-support communities."""


def version() -> str:
    """The installed distribution's version (pyproject.toml), without importing anything heavy."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version
    try:
        return dist_version("peerpulse")
    except PackageNotFoundError:
        return "0+unknown"
