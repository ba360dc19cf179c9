"""The edge of the service: a body size limit, no control characters, security headers.

One ASGI middleware checks every HTTP request before any route sees it:

* a body larger than ``max_body_bytes`` is refused with 413, by its ``Content-Length`` or
  while it is read, so a huge body is never parsed;
* a control character (C0 except tab, line feed and carriage return; DEL; C1) or a lone
  surrogate in the path, a query parameter, a form field or any string of a JSON body is
  refused with 422 naming the field, the same on SQLite and PostgreSQL (which cannot store
  NUL);
* every response carries ``X-Content-Type-Options``, ``X-Frame-Options``,
  ``Content-Security-Policy: frame-ancestors 'none'`` and ``Referrer-Policy``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stockpile.service.errors import FieldError, problem_response

__all__ = [
    "NO_CONTROL_PATTERN",
    "SECURITY_HEADERS",
    "RequestGuard",
    "document_in_schema",
    "find_control_character",
]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
    ),
    (b"referrer-policy", b"same-origin"),
)
"""Headers added to every response (clickjacking, MIME sniffing, referrer leaks)."""


NO_CONTROL_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
"""JSON Schema pattern of a string the edge accepts (documented on every free string)."""

_ANY_JSON = "AnyJsonWithoutControlCharacters"


def document_in_schema(schema: dict[str, Any]) -> None:
    """Write the control-character rule into an OpenAPI document, in place.

    Every free string of a request (parameters, bodies and the schemas they refer to; no
    ``pattern``, ``format``, ``enum`` or ``const``) gets :data:`NO_CONTROL_PATTERN`; every
    object gets it for its property names and, where it accepts (and ignores) extra
    properties, a schema of any JSON value whose strings follow the rule.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    ref = {"$ref": f"#/components/schemas/{_ANY_JSON}"}
    text = {"type": "string", "pattern": NO_CONTROL_PATTERN}
    components[_ANY_JSON] = {
        "description": "Any JSON value without control characters in its strings.",
        "anyOf": [
            text,
            {"type": "number"},
            {"type": "boolean"},
            {"type": "null"},
            {"type": "array", "items": ref},
            {
                "type": "object",
                "propertyNames": {"pattern": NO_CONTROL_PATTERN},
                "additionalProperties": ref,
            },
        ],
    }

    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict) or node is components[_ANY_JSON]:
            return
        target = node.get("$ref")
        if isinstance(target, str) and target.startswith("#/components/schemas/"):
            name = target.rsplit("/", 1)[1]
            if name not in seen and name in components:
                seen.add(name)
                walk(components[name])
        kind = node.get("type")
        free = not ({"pattern", "format", "enum", "const", "$ref"} & node.keys())
        if kind == "string" and free:
            node["pattern"] = NO_CONTROL_PATTERN
        if kind == "object":
            node.setdefault("propertyNames", {"pattern": NO_CONTROL_PATTERN})
            extra = node.get("additionalProperties", True)
            if extra is True or extra == {}:
                node["additionalProperties"] = dict(ref)
        for key, value in node.items():
            if key not in ("enum", "const", "example", "examples", "default"):
                walk(value)

    # requests only: a response (a problem document echoing a refused field) is not checked
    for operations in schema.get("paths", {}).values():
        walk(operations.get("parameters", []))
        for op in operations.values():
            if isinstance(op, dict):
                walk(op.get("parameters", []))
                walk(op.get("requestBody", {}))


def find_control_character(text: str) -> str | None:
    """The first refused character of ``text`` (see the module docstring), or None."""
    m = _CONTROL.search(text)
    return m.group() if m else None


def _json_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield f"{path}.{k}", k
            yield from _json_strings(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _json_strings(v, f"{path}.{i}")


def _body_strings(content_type: str, body: bytes) -> Iterator[tuple[str, str]]:
    if content_type.startswith("application/json") or content_type.endswith("+json"):
        try:
            doc = json.loads(body)
        except ValueError:
            return  # malformed JSON is the route's to refuse
        yield from _json_strings(doc, "body")
    elif content_type.startswith("application/x-www-form-urlencoded"):
        text = body.decode("utf-8", errors="replace")
        for k, v in parse_qsl(text, keep_blank_values=True):
            yield f"body.{k}", k
            yield f"body.{k}", v
    elif content_type.startswith("multipart/form-data"):
        text = body.decode("utf-8", errors="replace")
        for line in text.split("\r\n"):
            yield "body", line


def _request_strings(scope: Scope) -> Iterator[tuple[str, str]]:
    yield "path", scope.get("path", "")
    query = scope.get("query_string", b"").decode("latin-1")
    for k, v in parse_qsl(query, keep_blank_values=True):
        yield f"query.{k}", k
        yield f"query.{k}", v


class RequestGuard:
    """ASGI middleware applying the checks of this module.

    Parameters
    ----------
    app
        The wrapped application.
    max_body_bytes
        Largest request body accepted [byte].
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        refusal = self._check_strings(_request_strings(scope))
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large()(scope, receive, send_with_headers)
            return
        if scope.get("method") in {"GET", "HEAD", "OPTIONS"} and declared is None:
            await self.app(scope, receive, send_with_headers)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body_bytes:
                await self._too_large()(scope, receive, send_with_headers)
                return
        ctype = headers.get(b"content-type", b"").decode("latin-1").lower()
        refusal = self._check_strings(_body_strings(ctype, bytes(body)))
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_headers)

    def _too_large(self) -> Any:
        return problem_response(
            413,
            "Content too large",
            f"the request body is larger than {self.max_body_bytes} bytes",
        )

    @staticmethod
    def _check_strings(strings: Iterator[tuple[str, str]]) -> Any:
        for field, text in strings:
            bad = find_control_character(text)
            if bad is not None:
                reason = f"control character {bad!r} is not allowed"
                return problem_response(
                    422,
                    "Invalid input",
                    f"{field}: {reason}",
                    [FieldError(field=field, reason=reason)],
                )
        return None
