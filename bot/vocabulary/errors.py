"""Errors that carry a message meant for the member who typed the command.

A handler raises :class:`UserError` for anything the member can fix (a wrong unit, an unknown metric,
a date in the future). The runtime turns it into one private line and stores nothing; every other
exception is logged without member values and answered with a generic apology.
"""


class UserError(Exception):
    """Bad input from chat: the message is shown to the member as is, so it must be friendly."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(UserError):
    """The member may not run this command here (e.g. a non-moderator running `mod ...`)."""


class Unreadable(UserError):
    """The text is not a value of the metric at all (as opposed to a value that is refused)."""


class Ambiguous(UserError):
    """The text has two sensible readings: the member is asked which, and nothing is stored.
    ``choices`` are unambiguous spellings of each reading, for the member to type instead."""

    def __init__(self, message: str, choices: tuple[str, ...]):
        super().__init__(message)
        self.choices = choices
