"""FastAPI walks a route's whole dependency tree on every request, so the authenticated
routes keep it shallow: the API client is one dependency over the bearer scheme (it used
to be three levels, reading the gateway through its own dependency), which halved the work
of a proxied request before it reaches the gateway."""

from __future__ import annotations

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer

from attio_gateway.api.routes import (
    accounts,
    api_clients,
    audit,
    auth,
    connections,
    proxy,
    tools,
)


def _depth(dependant: Dependant) -> int:
    return 1 + max((_depth(sub) for sub in dependant.dependencies), default=0)


def test_authenticated_routes_check_the_bearer_one_level_down() -> None:
    routes = {
        (method, route.path): route
        for module in (auth, connections, accounts, tools, proxy, audit, api_clients)
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    # route → the scoped client → the bearer scheme; nothing deeper.
    assert _depth(routes[("POST", "/proxy")].dependant) == 3
    assert _depth(routes[("POST", "/tools/execute")].dependant) == 3
    for (method, path), route in routes.items():
        for dependency in route.dependant.dependencies:
            for sub in dependency.dependencies:
                assert isinstance(sub.call, HTTPBearer), (method, path, sub.call)
                assert sub.dependencies == [], (method, path)
