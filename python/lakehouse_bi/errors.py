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


# --- Operations and resilience (issue 11; seed section 6 "custom exceptions") --------------
# Each kind of failure a scheduler or an on-call engineer must tell apart has its own exit
# code; `default_hint` is what to do when the raiser has nothing more specific to say.
# docs/RUNBOOK.md lists the codes by symptom.


class _HintedError(LakehouseBIError):
    default_hint: str | None = None

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint or self.default_hint)


class DataQualityError(_HintedError):
    """Data broke a quality rule past its threshold (tests failed, DQ score regressed)."""

    exit_code = 3
    default_hint = (
        "Open the failing checks (`lakehouse-bi dq report`, `edr report`), fix the source or "
        "the rule, then rebuild; docs/RUNBOOK.md 'Data quality dropped'."
    )


class SchemaEvolutionError(_HintedError):
    """Landed or deployed columns differ from the schema the project declares."""

    exit_code = 4
    default_hint = (
        "Compare with `lakehouse-bi schema diff`, then migrate or update the YAML; "
        "docs/ARCHITECTURE.md 'Schema evolution'."
    )


class DeploymentValidationError(_HintedError):
    """A deployed table, column or dashboard query is not what the project declares."""

    exit_code = 5
    default_hint = (
        "Re-run the deployment (`dbt build --target <t>`, bundle deploy) and validate again; "
        "docs/RUNBOOK.md 'Deployment validation failed'."
    )


class WarehouseError(_HintedError):
    """The SQL warehouse or workspace refused or failed a request (after the client's retries)."""

    exit_code = 6
    default_hint = (
        "Check the warehouse is running and the credentials (DATABRICKS_HOST, DATABRICKS_TOKEN "
        "or service principal) are valid; docs/RUNBOOK.md 'Warehouse unreachable'."
    )


class ExternalServiceError(_HintedError):
    """An HTTP endpoint outside the warehouse (webhook, lineage) failed after retries."""

    exit_code = 7
    default_hint = "Check the endpoint's URL and status; the pipeline itself is not affected."


class RollbackError(_HintedError):
    """A Delta RESTORE cannot be planned or run (unknown version, files vacuumed)."""

    exit_code = 8
    default_hint = "Read docs/ROLLBACK.md: pick a version from `DESCRIBE HISTORY` still retained."
