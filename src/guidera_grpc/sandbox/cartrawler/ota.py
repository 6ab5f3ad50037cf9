"""CarTrawler's JSON-OTA conventions: OpenTravel XML written as JSON.

Attributes are ``"@Name"`` keys with string values, element text is ``"#text"``, and the root
element's content is the body itself (its name travels in the ``type`` query parameter). A
repeated element is an array and a single one a bare object; a list wrapper such as
``VehVendorAvails`` or ``Fees`` becomes the array itself when it holds several children and
keeps its child (``{"VehVendorAvail": {...}}``) when it holds one, which is what CarTrawler's
own app had to test for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from guidera_grpc.sandbox.wire import now_utc, utc_iso

Json = dict[str, Any]

NAMESPACE = "http://www.opentravel.org/OTA/2003/05"
VERSION = "1.005"
TARGETS = ("Test", "Production")


def wrapped(child: str, items: Sequence[Json]) -> Json | list[Json] | None:
    """A list wrapper's value: ``{child: item}`` for one, the items for several, None for none."""
    if not items:
        return None
    if len(items) == 1:
        return {child: items[0]}
    return list(items)


def inline(items: Sequence[Json]) -> Json | list[Json] | None:
    """An element repeated in its parent: a bare object for one, an array for several."""
    if not items:
        return None
    return items[0] if len(items) == 1 else list(items)


def compact(element: Json) -> Json:
    """The element without the keys whose value is None (absent elements and attributes)."""
    return {key: value for key, value in element.items() if value is not None}


def flag(value: bool) -> str:
    """An xs:boolean attribute."""
    return "true" if value else "false"


def envelope(target: str = "Test", version: str = VERSION) -> Json:
    """The root attributes every response carries."""
    return {
        "@xmlns": NAMESPACE,
        "@Version": version,
        "@Target": target if target in TARGETS else TARGETS[0],
        "@TimeStamp": utc_iso(now_utc()),
        "@PrimaryLangID": "EN",
    }
