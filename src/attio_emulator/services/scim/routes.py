"""``GET /scim/v2/Schemas`` — a SCIM ListResponse (RFC 7644 §3.4.2) of the resource schemas
the service provider supports (RFC 7643 §7). Attio's description requires only the envelope
(``schemas``, ``totalResults``, ``startIndex``, ``itemsPerPage``, ``Resources``); which schemas
Attio lists is unconfirmed, so the emulator lists SCIM's core User and Group schemas."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from attio_emulator.core.auth import Caller, require

router = APIRouter(prefix="/scim/v2", tags=["SCIM schemas"])
ScimAdmin = Annotated[Caller, Depends(require("scim_management:read-write"))]

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def _attribute(name: str, type_: str = "string", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "multiValued": False,
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
        **extra,
    }


def _schema(schema_id: str, name: str, description: str, attributes: list[Any]) -> Any:
    return {
        "schemas": [SCHEMA],
        "id": schema_id,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"/scim/v2/Schemas/{schema_id}"},
    }


SCHEMAS = [
    _schema(
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "User",
        "User Account",
        [
            _attribute("userName", required=True, uniqueness="server"),
            _attribute(
                "name",
                "complex",
                subAttributes=[_attribute("givenName"), _attribute("familyName")],
            ),
            _attribute(
                "emails",
                "complex",
                multiValued=True,
                subAttributes=[_attribute("value"), _attribute("primary", "boolean")],
            ),
            _attribute("active", "boolean"),
        ],
    ),
    _schema(
        "urn:ietf:params:scim:schemas:core:2.0:Group",
        "Group",
        "Group",
        [
            _attribute("displayName", required=True),
            _attribute(
                "members",
                "complex",
                multiValued=True,
                subAttributes=[_attribute("value", mutability="immutable")],
            ),
        ],
    ),
]


@router.get("/Schemas")
async def list_schemas(_: ScimAdmin) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": len(SCHEMAS),
        "startIndex": 1,
        "itemsPerPage": len(SCHEMAS),
        "Resources": SCHEMAS,
    }
