"""Exception types shared by every layer.

Every error a user can cause is a :class:`CwpError`; the command-line
interface prints its message as one line on stderr and exits with its
``exit_code``.
"""

from __future__ import annotations


class CwpError(Exception):
    """An error with a message fit to show a user as one line.

    Attributes
    ----------
    exit_code : int
        Process exit status the CLI uses for this error (1 by default).
    """

    exit_code = 1


class DataFileError(CwpError, ValueError):
    """A project data file (published facts, codebook, theory of change, ...)
    is missing or does not match its schema."""

    exit_code = 1


class SurveyValidationError(CwpError, ValueError):
    """A survey file does not conform to the codebook.

    Parameters
    ----------
    path : str
        The file that was checked.
    problems : list of str
        One self-contained line per problem (file, column, row, value and
        what is allowed).
    """

    exit_code = 2

    def __init__(self, path: str, problems: list[str]):
        self.path = str(path)
        self.problems = list(problems)
        head = self.problems[0] if self.problems else "invalid survey file"
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        super().__init__(f"{head}{more}")


class ColumnMappingError(SurveyValidationError):
    """A column-mapping file (export column -> codebook column) is unusable.

    A :class:`SurveyValidationError` (exit status 2), because the mapping is
    part of the survey input: ``problems`` lists one line per fault (not
    YAML, unknown codebook column, two export columns mapped to one codebook
    column, ...).
    """
