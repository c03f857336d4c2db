"""The one error type for user mistakes: bad files, bad arguments, missing weights.

The CLI catches it once and prints its message as a single line; the Python API lets it propagate.
"""


class PatchAlignError(Exception):
    """A problem with the user's input or environment, with a message that names it."""
