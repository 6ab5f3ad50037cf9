"""Reading CarTrawler's JSON-OTA: OpenTravel XML written as JSON.

Attributes are ``"@Name"`` strings and text is ``"#text"``. An element that may repeat is an
array when it does and a bare object when it does not, and a list wrapper (``VehVendorAvails``,
``Fees`` ...) even becomes the array itself when it holds several children while keeping its
child (``{"VehVendorAvail": {...}}``) when it holds one. ``ota_items`` reads every such list in
all of its forms; ``xml_to_json`` turns an XML answer into the same shape.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from typing import Any

from guidera_grpc.normalizers.common import Json, field_str


def ota_items(value: object, child: str = "") -> list[Json]:
    """The objects of a list in any of its JSON-OTA forms.

    ``[a, b]``, ``{child: [a, b]}``, ``{child: a}``, a bare ``a``, or nothing at all.
    """
    if isinstance(value, dict) and child and child in value:
        value = value[child]
    items = value if isinstance(value, list) else [value]
    return [_unwrapped(item, child) for item in items if isinstance(item, dict)]


def _unwrapped(item: Json, child: str) -> Json:
    """``{child: {...}}`` inside an array, as some converters write it, becomes its content."""
    if child and len(item) == 1 and isinstance(item.get(child), dict):
        inner: Json = item[child]
        return inner
    return item


def attr(node: Json, name: str) -> str:
    """The attribute ``@name`` as text, "" when absent or null."""
    return field_str(node, f"@{name}")


def text_of(value: object) -> str:
    """An element's text: a bare string, or the ``#text`` of an object."""
    if isinstance(value, dict):
        return field_str(value, "#text")
    return value.strip() if isinstance(value, str) else ""


def flag(node: Json, name: str) -> bool | None:
    """An xs:boolean attribute: True, False, or None when absent or unreadable."""
    text = attr(node, name).casefold()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    return None


def xml_to_json(text: str) -> Json:
    """An XML OTA answer in JSON-OTA form (namespaces dropped); ValueError when not XML."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise ValueError(f"not XML: {error}") from None
    return _element_json(root)


def _element_json(element: ElementTree.Element) -> Json:
    node: dict[str, Any] = {f"@{_local(k)}": v for k, v in element.attrib.items()}
    for child in element:
        name, value = _local(child.tag), _element_json(child)
        if name not in node:
            node[name] = value
        elif isinstance(node[name], list):
            node[name].append(value)
        else:
            node[name] = [node[name], value]
    if element.text and element.text.strip():
        node["#text"] = element.text.strip()
    return node


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def core_of(avail: Json) -> Json:
    """``VehAvailCore``, or the avail itself in the flat variant that has none."""
    core = avail.get("VehAvailCore")
    return core if isinstance(core, dict) else avail
