"""``POST /api/v1/oauth/token``: client credentials → bearer token (RFC 6749 §4.4)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form

from attio_gateway.api.deps import GatewayDep
from attio_gateway.api.errors import ERROR_RESPONSES
from attio_gateway.sdk.admin import AccessToken, issue_access_token

__all__ = ["router"]

router = APIRouter(tags=["auth"], responses=ERROR_RESPONSES)


@router.post("/oauth/token", response_model=AccessToken)
async def token(
    gateway: GatewayDep,
    grant_type: Annotated[Literal["client_credentials"], Form()],
    client_id: Annotated[str, Form(min_length=1, max_length=100)],
    client_secret: Annotated[str, Form(min_length=1, max_length=200)],
) -> AccessToken:
    """Exchange an API client's id and secret (``SCALEKIT_CLIENT_ID`` /
    ``SCALEKIT_CLIENT_SECRET`` in the hosted SDK) for a bearer token valid one hour."""
    return await issue_access_token(gateway, client_id=client_id, client_secret=client_secret)
