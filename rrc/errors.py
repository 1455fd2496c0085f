"""One root exception for the project; subclasses carry their context and say what to do."""

from __future__ import annotations


class RRCError(Exception):
    """Root of every error the platform raises on purpose.

    The message says what went wrong and where (source, table, column or row); `hint` says what to
    do about it. The CLI prints both and exits non-zero.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}\nHint: {self.hint}" if self.hint else base


class ConfigError(RRCError):
    """A configuration file is missing, unreadable or inconsistent."""


class TargetError(RRCError):
    """An operational store (database, folder) cannot be reached or written."""


class SourceError(RRCError):
    """A source cannot be read, or its shape differs from its mapping."""

    def __init__(
        self,
        message: str,
        *,
        source: str,
        table: str | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = f"source `{source}`" + (f", table `{table}`" if table else "")
        where += f", column `{column}`" if column else ""
        super().__init__(f"{where}: {message}", hint=hint)
        self.source = source
        self.table = table
        self.column = column
