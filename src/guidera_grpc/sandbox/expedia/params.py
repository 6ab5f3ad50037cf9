"""Reading Rapid query strings: required and repeated parameters, each error typed Rapid's way.

``Invalid`` carries the problem as Rapid names it (``required``, ``invalid``,
``invalid_above_maximum``...), which the answer joins to the parameter name as the nested
error's type: ``occupancy.invalid_above_maximum``.
"""

from __future__ import annotations

from aiohttp import web
from multidict import MultiMapping

from guidera_grpc.sandbox.expedia import errors
from guidera_grpc.sandbox.wire import BadParameter


class Invalid(BadParameter):
    """A query parameter Rapid would refuse, and why."""

    def __init__(self, field: str, problem: str, detail: str, value: str = "") -> None:
        super().__init__(field, detail)
        self.problem = problem
        self.value = value

    def response(self) -> web.Response:
        """The 400 ``invalid_input`` answer naming this parameter."""
        return errors.invalid_input(self.field, self.problem, self.detail, self.value)


def one(query: MultiMapping[str], name: str) -> str:
    """A required single parameter."""
    value = query.get(name, "").strip()
    if not value:
        raise Invalid(name, "required", f"{name} is required.")
    return value


def repeated(query: MultiMapping[str], name: str, low: int, high: int) -> list[str]:
    """A parameter given between ``low`` and ``high`` times."""
    values = [value.strip() for value in query.getall(name, []) if value.strip()]
    if not values and low > 0:
        raise Invalid(name, "required", f"{name} is required.")
    if len(values) > high:
        raise Invalid(
            name,
            "invalid_above_maximum",
            f"{name} may be given at most {high} times.",
            str(len(values)),
        )
    return values


def choice(query: MultiMapping[str], name: str, allowed: frozenset[str]) -> str:
    """A required parameter with one of a few values."""
    value = one(query, name)
    if value not in allowed:
        shown = ", ".join(sorted(allowed))
        raise Invalid(name, "invalid", f"{name} must be one of: {shown}.", value)
    return value


def language(query: MultiMapping[str]) -> str:
    """The ``language`` parameter, such as ``en-US``."""
    value = one(query, "language")
    head, _, tail = value.partition("-")
    if len(head) != 2 or len(tail) != 2 or not (head + tail).isalpha():
        raise Invalid("language", "invalid", "language must look like en-US.", value)
    return value
