"""The standard objects every Attio workspace has, and their system attributes (API-NOTES §7)."""

from __future__ import annotations

from typing import Any

# (api_slug, title, type, flags) — flags: m=multiselect, u=unique, r=required, ro=read-only.
AttributeSpec = tuple[str, str, str, str, dict[str, Any]]

_COMMON: list[AttributeSpec] = [
    ("record_id", "Record ID", "text", "u ro", {}),
    ("created_at", "Created at", "timestamp", "ro", {}),
    ("created_by", "Created by", "actor-reference", "ro", {}),
]
_SOCIAL: list[AttributeSpec] = [
    (slug, slug.title(), "text", "", {})
    for slug in ("angellist", "facebook", "instagram", "linkedin", "twitter")
]

#: Computed by Attio from the workspace's mail and calendars; read-only and, here, always empty.
_INTERACTIONS: list[AttributeSpec] = [
    (slug, slug.replace("_", " ").capitalize(), "interaction", "ro", {})
    for slug in (
        "first_interaction",
        "last_interaction",
        "next_interaction",
        "first_email_interaction",
        "last_email_interaction",
        "first_calendar_interaction",
        "last_calendar_interaction",
        "next_calendar_interaction",
    )
]
_CONNECTION: list[AttributeSpec] = [
    ("strongest_connection_strength", "Strongest connection strength", "select", "ro", {}),
    ("strongest_connection_user", "Strongest connection", "actor-reference", "ro", {}),
]

STANDARD_OBJECTS: dict[str, dict[str, Any]] = {
    "people": {
        "singular_noun": "Person",
        "plural_noun": "People",
        "attributes": [
            *_COMMON,
            ("name", "Name", "personal-name", "", {}),
            ("email_addresses", "Email addresses", "email-address", "m u", {}),
            ("description", "Description", "text", "", {}),
            ("company", "Company", "record-reference", "", {"target": "companies"}),
            ("job_title", "Job title", "text", "", {}),
            ("phone_numbers", "Phone numbers", "phone-number", "m", {}),
            ("primary_location", "Primary location", "location", "", {}),
            *_SOCIAL,
            ("avatar_url", "Avatar URL", "text", "ro", {}),
            ("associated_deals", "Associated deals", "record-reference", "m", {"target": "deals"}),
            ("associated_users", "Associated users", "record-reference", "m", {"target": "users"}),
            ("twitter_follower_count", "Twitter follower count", "number", "ro", {}),
            *_CONNECTION,
            *_INTERACTIONS,
        ],
    },
    "companies": {
        "singular_noun": "Company",
        "plural_noun": "Companies",
        "attributes": [
            *_COMMON,
            ("name", "Name", "text", "", {}),
            ("domains", "Domains", "domain", "m u", {}),
            ("description", "Description", "text", "", {}),
            ("team", "Team", "record-reference", "m", {"target": "people"}),
            ("categories", "Categories", "select", "m", {}),
            ("primary_location", "Primary location", "location", "", {}),
            *_SOCIAL,
            ("associated_deals", "Associated deals", "record-reference", "m", {"target": "deals"}),
            (
                "associated_workspaces",
                "Associated workspaces",
                "record-reference",
                "m",
                {"target": "workspaces"},
            ),
            ("estimated_arr_usd", "Estimated ARR", "select", "ro", {}),
            ("foundation_date", "Foundation date", "date", "ro", {}),
            ("funding_raised_usd", "Funding raised", "currency", "ro", {"currency": "USD"}),
            ("employee_range", "Employee range", "select", "ro", {}),
            ("twitter_follower_count", "Twitter follower count", "number", "ro", {}),
            *_CONNECTION,
            *_INTERACTIONS,
        ],
    },
    "deals": {
        "singular_noun": "Deal",
        "plural_noun": "Deals",
        "attributes": [
            *_COMMON,
            ("name", "Deal name", "text", "r", {}),
            ("stage", "Deal stage", "status", "r", {}),
            ("owner", "Deal owner", "actor-reference", "r", {}),
            ("value", "Deal value", "currency", "", {"currency": "USD"}),
            (
                "associated_people",
                "Associated people",
                "record-reference",
                "m",
                {"target": "people"},
            ),
            (
                "associated_company",
                "Associated company",
                "record-reference",
                "",
                {"target": "companies"},
            ),
        ],
    },
    "users": {
        "singular_noun": "User",
        "plural_noun": "Users",
        "attributes": [
            *_COMMON,
            ("person", "Person", "record-reference", "", {"target": "people"}),
            ("primary_email_address", "Primary email address", "email-address", "r u", {}),
            ("user_id", "User ID", "text", "r u", {}),
            ("workspace", "Workspace", "record-reference", "m", {"target": "workspaces"}),
        ],
    },
    "workspaces": {
        "singular_noun": "Workspace",
        "plural_noun": "Workspaces",
        "attributes": [
            *_COMMON,
            ("workspace_id", "Workspace ID", "text", "r u", {}),
            ("name", "Name", "text", "", {}),
            ("users", "Users", "record-reference", "m", {"target": "users"}),
            ("company", "Company", "record-reference", "", {"target": "companies"}),
            ("avatar_url", "Avatar URL", "text", "", {}),
        ],
    },
}

#: Two-way relationships: (object, attribute) ↔ (object, attribute).
RELATIONSHIPS: list[tuple[tuple[str, str], tuple[str, str]]] = [
    (("people", "company"), ("companies", "team")),
    (("deals", "associated_company"), ("companies", "associated_deals")),
    (("deals", "associated_people"), ("people", "associated_deals")),
    (("users", "person"), ("people", "associated_users")),
    (("workspaces", "company"), ("companies", "associated_workspaces")),
    (("users", "workspace"), ("workspaces", "users")),
]

DEAL_STAGES = ["Lead", "In Progress", "Won 🎉", "Lost"]
COMPANY_CATEGORIES = ["B2B", "B2C", "SaaS", "Software", "E-commerce", "Finance", "Health"]
