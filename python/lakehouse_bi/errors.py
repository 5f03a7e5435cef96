"""Exception hierarchy: every user-facing failure says what went wrong and what to do next."""


class LakehouseBIError(Exception):
    """Base error. `hint` tells the user what to do about it."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  What to do: {self.hint}" if self.hint else self.message


class ConfigError(LakehouseBIError):
    """A setting, argument or file the user controls is invalid."""

    exit_code = 2


class PackageError(LakehouseBIError):
    """dbt packages cannot be installed (hub unreachable and cache incomplete, bad source)."""


class PipelineError(LakehouseBIError):
    """A dbt or edr step failed."""
