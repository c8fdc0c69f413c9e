"""Check a request against a platform's OpenAPI document, for the stand-ins.

``Spec(path).problems(method, path, body=…, query=…)`` finds the operation (path templates such
as ``/2/tweets/{id}`` resolved; a literal segment wins over a template, so ``/2/users/me`` is not
``/2/users/{id}``; a trailing slash is ignored), then validates, with ``jsonschema`` and
``$ref``s resolved across the whole document through ``referencing``:

- the body against the operation's requestBody schema for its content type (JSON, or a form
  already converted to the JSON shape by the caller);
- path and query parameters against their schemas, after converting the strings they arrive as
  (integers, booleans, comma-separated or repeated arrays); a query parameter the operation does
  not define is a problem too.

Header parameters are not validated: the community Mastodon document types ``Idempotency-Key``
as an object. OpenAPI 3.0 schemas are checked as JSON Schema draft 4, 3.1 as draft 2020-12.
``overlapping_one_of=True`` checks ``oneOf`` as ``anyOf``: the Mastodon document's createStatus
body is ``oneOf`` TextStatus/MediaStatus/PollStatus, which overlap (a status with text and media
is both), so a correct request would otherwise be refused.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

# the parts of the platforms' own documents that the stand-ins use (tests/specs/README.md)
SPECS = Path(__file__).resolve().parents[1] / "specs"
BASE = "urn:openapi"
METHODS = ("get", "put", "post", "delete", "patch")


class Spec:
    def __init__(self, path: Path, *, overlapping_one_of: bool = False) -> None:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        if overlapping_one_of:
            text = text.replace('"oneOf":', '"anyOf":')
        self.document: dict[str, Any] = json.loads(text)
        version = str(self.document.get("openapi", "3.0"))
        self._draft = DRAFT202012 if version.startswith("3.1") else DRAFT4
        self._validator = (jsonschema.Draft202012Validator if version.startswith("3.1")
                           else jsonschema.Draft4Validator)
        self._registry: Registry[Any] = Registry().with_resource(
            BASE, Resource.from_contents(self.document, default_specification=self._draft))

    @cached_property
    def _templates(self) -> list[tuple[re.Pattern[str], str]]:
        found = []
        for template in self.document["paths"]:
            regex = re.sub(r"\\\{([^}]+)\\\}", lambda m: f"(?P<{_group(m[1])}>[^/]+)", re.escape(template))
            found.append((re.compile(regex), template))
        return sorted(found, key=lambda pair: pair[1].count("{"))

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any], dict[str, str]] | None:
        """The path template, the operation object and the path parameters, or None."""
        path = path.rstrip("/") or "/"
        for regex, template in self._templates:
            match = regex.fullmatch(path)
            operation = self.document["paths"][template].get(method.lower())
            if match and operation is not None:
                names = re.findall(r"\{([^}]+)\}", template)
                return template, operation, {n: match[_group(n)] for n in names}
        return None

    def problems(self, method: str, path: str, *, body: Any = None, query: dict[str, list[str]] | None = None,
                 content_type: str = "application/json") -> list[str]:
        """Everything wrong with this request according to the document; empty when it conforms."""
        found = self.operation(method, path)
        if found is None:
            return [f"{method.upper()} {path} is not an operation of this API"]
        _, operation, path_params = found
        problems = self._parameter_problems(operation, path_params, query or {})
        return problems + self._body_problems(operation, body, content_type)

    def _body_problems(self, operation: dict[str, Any], body: Any, content_type: str) -> list[str]:
        request_body = self._deref(operation.get("requestBody"))
        if not request_body:
            return [] if body in (None, {}, b"") else ["this operation takes no request body"]
        if body is None:
            return ["request body missing"] if request_body.get("required") else []
        content = request_body.get("content", {})
        if content_type not in content:
            return [f"content type {content_type} not accepted (only {sorted(content)})"]
        return self._check(content[content_type].get("schema", {}), body, "body")

    def _parameter_problems(self, operation: dict[str, Any], path_params: dict[str, str],
                            query: dict[str, list[str]]) -> list[str]:
        problems: list[str] = []
        defined = [self._deref(p) for p in operation.get("parameters", [])]
        known_query = {p["name"] for p in defined if p["in"] == "query"}
        problems += [f"query: unknown parameter {name!r}" for name in query
                     if name not in known_query and name.removesuffix("[]") not in known_query]
        for param in defined:
            name, where = param["name"], param["in"]
            schema = self._deref(param.get("schema", {}))
            if where == "path":
                raw: list[str] | None = [path_params[name]] if name in path_params else None
            elif where == "query":
                raw = query.get(name, query.get(f"{name}[]"))
            else:
                continue  # header and cookie parameters: see the module docstring
            if raw is None:
                problems += [f"{where}: {name} is required"] if param.get("required") else []
                continue
            value = _coerce(raw, schema, self._deref, explode=param.get("explode", True))
            problems += self._check(param.get("schema", {}), value, f"{where} {name}")
        return problems

    def _check(self, schema: dict[str, Any], value: Any, what: str) -> list[str]:
        validator = self._validator(_absolute(schema), registry=self._registry)
        errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
        return [f"{what}{_at(error.absolute_path)}: {_short(error.message)}" for error in errors]

    def _deref(self, node: Any) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            node = self._pointer(node["$ref"][1:])
        return node

    def _pointer(self, pointer: str) -> Any:
        node: Any = self.document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node


def _coerce(raw: list[str], schema: dict[str, Any], deref: Any, *, explode: bool) -> Any:
    kind = schema.get("type")
    if kind == "array":
        items = raw if explode else [part for value in raw for part in value.split(",")]
        return [_scalar(item, deref(schema.get("items", {}))) for item in items]
    return _scalar(raw[-1], schema)


def _scalar(value: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return {"true": True, "1": True, "false": False, "0": False}.get(value.lower(), value)
    return value


def _absolute(schema: Any) -> Any:
    """The schema with its document-local ``$ref``s made absolute, so it validates on its own."""
    if isinstance(schema, dict):
        return {k: (f"{BASE}{v}" if k == "$ref" and isinstance(v, str) and v.startswith("#")
                    else _absolute(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_absolute(item) for item in schema]
    return schema


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[:limit] + "…"


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


def _at(path: Any) -> str:
    parts = list(path)
    return "" if not parts else " " + "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in parts)
