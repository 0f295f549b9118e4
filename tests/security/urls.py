"""Every URL the site serves, read from the resolver, so a new route is swept automatically."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    path: str  # with Django's <converter:name> placeholders, e.g. "/accounts/<str:number>/"
    name: str
    callback: object
    converters: dict[str, str]  # parameter name -> converter, e.g. {"number": "string"}

    def fill(self, values: dict[str, object]) -> str:
        return _PLACEHOLDER.sub(lambda match: str(values[match[1]]), self.path)


def routes() -> Iterator[Route]:
    yield from _walk(get_resolver(), "/", "")


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        route = getattr(pattern, "_route", None)
        if route is None:  # a regex pattern: the admin's few; swept by name elsewhere
            route = str(pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        converters = {
            name: type(converter).__name__.removesuffix("Converter").lower()
            for name, converter in getattr(pattern, "converters", {}).items()
        }
        if isinstance(entry, URLResolver):
            child_namespace = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for child in _walk(entry, prefix + route, child_namespace):
                yield Route(
                    child.path, child.name, child.callback, {**converters, **child.converters}
                )
        elif isinstance(entry, URLPattern):
            yield Route(prefix + route, f"{namespace}{entry.name}", entry.callback, converters)
