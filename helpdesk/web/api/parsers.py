"""JSON request bodies with a nesting limit: Python's json module recurses once per level, so a body
of 100,000 ``[`` raised RecursionError (a 500) before any serializer could refuse it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from helpdesk import limits


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in ``data``, counted outside strings, without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


class LimitedJSONParser(JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        data = stream.read(limits.REQUEST_BYTES + 1) if stream is not None else b""
        if len(data) > limits.REQUEST_BYTES:
            raise ParseError(
                _("The request is too large (at most %(limit)s bytes).")
                % {"limit": f"{limits.REQUEST_BYTES:,}"}
            )
        brackets = data.count(b"[") + data.count(b"{")
        if brackets > limits.JSON_DEPTH and json_depth(data) > limits.JSON_DEPTH:
            raise ParseError(
                _("JSON nested more than %(limit)s levels deep is refused.") % {"limit": limits.JSON_DEPTH}
            )
        try:
            return json.loads(data.decode((parser_context or {}).get("encoding") or "utf-8"))
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("JSON parse error: %(error)s") % {"error": exc}) from None
