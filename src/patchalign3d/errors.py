"""The one error type for user mistakes: bad files, bad arguments, missing weights.

The CLI catches it once and prints its message as a single line; the Python API lets it propagate.
"""


class PatchAlignError(Exception):
    """A problem with the user's input or environment, with a message that names it."""


def first_line(exc: BaseException) -> str:
    """`TypeName: first line of the message` (at most 300 characters), or the type name alone.

    How a foreign library's exception is quoted inside a one-line PatchAlignError.
    """
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0][:300]}" if message else type(exc).__name__
