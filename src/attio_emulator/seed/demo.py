"""The ``demo`` seed: a believable, linked workspace built the same way every time.

Everything is written through the records model (the same validation and two-way
relationship code the API uses), from a fixed random seed and a fixed clock, so two
demo workspaces hold the same names, emails, links and timestamps (only ids differ).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from attio_emulator.core.state import EmulatorState
from attio_emulator.services.meetings.models import find_or_create
from attio_emulator.services.meetings.recordings import add_recording
from attio_emulator.services.members.models import add_member
from attio_emulator.services.objects.models import ensure_standard_objects, get_object
from attio_emulator.services.records.models import create_record, render_record

RANDOM_SEED = 20260301
COMPANIES = 120
PEOPLE = 300
DEALS = 150
STARTED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

MEMBERS = (
    ("Ada", "Morgan", "ada@demo.example", "admin"),
    ("Ben", "Okafor", "ben@demo.example", "member"),
    ("Chloé", "Durand", "chloe@demo.example", "member"),
    ("Dev", "Patel", "dev@demo.example", "suspended"),
)
_FIRST = [
    "Alice",
    "Amir",
    "Anna",
    "Bruno",
    "Carla",
    "Chen",
    "Daniel",
    "Dana",
    "Elena",
    "Emeka",
    "Farah",
    "Felix",
    "Grace",
    "Hugo",
    "Ines",
    "Ivan",
    "Jade",
    "Jonas",
    "Kai",
    "Kofi",
    "Laura",
    "Leo",
    "Maya",
    "Mateo",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Pablo",
    "Quinn",
    "Rosa",
    "Ravi",
    "Sara",
    "Sven",
    "Tara",
    "Tomás",
    "Uma",
    "Victor",
    "Wen",
    "Yara",
    "Zoe",
]
_LAST = [
    "Adams",
    "Baker",
    "Costa",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kim",
    "Lopez",
    "Müller",
    "Novak",
    "Olsen",
    "Park",
    "Quinn",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Vargas",
    "Weber",
    "Xu",
    "Young",
    "Zimmer",
    "Brown",
    "Nguyen",
]
_PREFIX = [
    "North",
    "Blue",
    "Bright",
    "Clear",
    "Iron",
    "Lumen",
    "Nova",
    "Pine",
    "Quarry",
    "River",
    "Silver",
    "Summit",
    "Tidal",
    "Vertex",
    "Willow",
    "Atlas",
    "Beacon",
    "Cedar",
    "Delta",
    "Ember",
]
_SUFFIX = [
    "Labs",
    "Systems",
    "Analytics",
    "Health",
    "Logistics",
    "Robotics",
    "Capital",
    "Foods",
    "Energy",
    "Works",
]
_TLDS = ("com", "io", "co", "ai", "dev")
_JOBS = (
    "CEO",
    "CTO",
    "Head of Sales",
    "Account Executive",
    "Product Manager",
    "Engineer",
    "Operations Lead",
    "Marketing Director",
    "Founder",
    "Procurement Manager",
)
_CITIES = (
    ("London", None, "GB"),
    ("Berlin", None, "DE"),
    ("Paris", None, "FR"),
    ("New York", "NY", "US"),
    ("San Francisco", "CA", "US"),
    ("Austin", "TX", "US"),
    ("Toronto", "ON", "CA"),
    ("Amsterdam", None, "NL"),
    ("Sydney", "NSW", "AU"),
    ("Madrid", None, "ES"),
)
_CATEGORIES = ("B2B", "B2C", "SaaS", "Software", "E-commerce", "Finance", "Health")
_STAGES = ("Lead", "In Progress", "Won 🎉", "Lost")
_PRODUCTS = ("Platform", "Expansion", "Pilot", "Renewal", "Enterprise plan", "Onboarding")


def _location(city: tuple[str, str | None, str]) -> dict[str, Any]:
    locality, region, country = city
    return {
        "line_1": None,
        "line_2": None,
        "line_3": None,
        "line_4": None,
        "locality": locality,
        "region": region,
        "postcode": None,
        "country_code": country,
        "latitude": None,
        "longitude": None,
    }


def build_demo(state: EmulatorState) -> None:
    """Fill ``state`` with members, companies, people, deals and one recorded meeting
    (deterministic)."""
    rng = random.Random(RANDOM_SEED)
    ensure_standard_objects(state)
    state.set_workspace(name="Demo Workspace", slug="demo-workspace")
    frozen = state.clock._frozen
    moment = STARTED_AT

    def tick() -> None:
        nonlocal moment
        moment += timedelta(minutes=rng.randint(1, 90))
        state.clock.set(moment)

    try:
        with state.store.batch():
            tick()
            members = [
                add_member(
                    state, first_name=first, last_name=last, email_address=email, access_level=level
                )
                for first, last, email, level in MEMBERS
            ]
            owners = [m for m in members if m["access_level"] != "suspended"]
            actor = {"type": "workspace-member", "id": owners[0]["id"]["workspace_member_id"]}
            companies_obj = get_object(state, "companies")
            people_obj = get_object(state, "people")
            deals_obj = get_object(state, "deals")

            companies = []
            used_names: set[str] = set()
            for _ in range(COMPANIES):
                name = f"{rng.choice(_PREFIX)} {rng.choice(_SUFFIX)}"
                while name in used_names:
                    name = f"{rng.choice(_PREFIX)} {rng.choice(_SUFFIX)}"
                used_names.add(name)
                domain = f"{name.lower().replace(' ', '')}.{rng.choice(_TLDS)}"
                tick()
                companies.append(
                    (
                        domain,
                        name,
                        create_record(
                            state,
                            companies_obj,
                            {
                                "name": name,
                                "domains": [domain],
                                "description": f"{name} builds {rng.choice(_SUFFIX).lower()}.",
                                "categories": rng.sample(_CATEGORIES, rng.randint(1, 2)),
                                "primary_location": _location(rng.choice(_CITIES)),
                            },
                            actor,
                        ),
                    )
                )

            teams: dict[str, list[Any]] = {}
            used_emails: set[str] = set()
            for i in range(PEOPLE):
                first, last = rng.choice(_FIRST), rng.choice(_LAST)
                # Every company gets two people first; the rest land anywhere.
                domain, _, company = (
                    companies[i % COMPANIES] if i < COMPANIES * 2 else rng.choice(companies)
                )
                email = f"{first}.{last}@{domain}".lower()
                n = 2
                while email in used_emails:
                    email, n = f"{first}.{last}{n}@{domain}".lower(), n + 1
                used_emails.add(email)
                values: dict[str, Any] = {
                    "name": {"first_name": first, "last_name": last, "full_name": ""},
                    "email_addresses": [email],
                    "job_title": rng.choice(_JOBS),
                    "company": {
                        "target_object": "companies",
                        "target_record_id": company["id"]["record_id"],
                    },
                    "primary_location": _location(rng.choice(_CITIES)),
                }
                if rng.random() < 0.6:
                    values["phone_numbers"] = [f"+4420{rng.randint(10_000_000, 99_999_999)}"]
                tick()
                person = create_record(state, people_obj, values, actor)
                teams.setdefault(company["id"]["record_id"], []).append(person)

            for _ in range(DEALS):
                _, company_name, company = rng.choice(companies)
                team = teams[company["id"]["record_id"]]
                contacts = rng.sample(team, min(len(team), rng.randint(1, 2)))
                owner = rng.choice(owners)
                tick()
                create_record(
                    state,
                    deals_obj,
                    {
                        "name": f"{rng.choice(_PRODUCTS)} — {company_name}",
                        "stage": rng.choices(_STAGES, weights=(4, 4, 2, 2))[0],
                        "owner": owner["email_address"],
                        "value": rng.randrange(2_000, 250_000, 500),
                        "associated_company": {
                            "target_object": "companies",
                            "target_record_id": company["id"]["record_id"],
                        },
                        "associated_people": [
                            {"target_object": "people", "target_record_id": p["id"]["record_id"]}
                            for p in contacts
                        ],
                    },
                    actor,
                )

            tick()
            _recorded_call(state, actor, owners[0], teams[companies[0][2]["id"]["record_id"]][0])
    finally:
        state.clock.set(frozen)


# A short discovery call, one segment per word as Attio splits speech.
_CALL = (
    ("Ada Morgan", "Thanks for making the time. What made you look at us?"),
    ("{person}", "Our pipeline lives in spreadsheets and nobody trusts the numbers."),
    ("Ada Morgan", "Then let us start with a pilot for your sales team next month."),
)


def _recorded_call(
    state: EmulatorState, actor: dict[str, Any], host: dict[str, Any], person: dict[str, Any]
) -> None:
    """One meeting with a person of the first company, recorded and transcribed."""
    values = render_record(state, person)["values"]
    name = values["name"][0]["full_name"]
    email = values["email_addresses"][0]["email_address"]
    start = state.clock.now()
    call = find_or_create(
        state,
        {
            "title": f"Discovery call with {name}",
            "description": "First call.",
            "start": {"datetime": start.isoformat(), "timezone": "UTC"},
            "end": {"datetime": (start + timedelta(minutes=30)).isoformat(), "timezone": "UTC"},
            "is_all_day": False,
            "participants": [
                {
                    "email_address": host["email_address"],
                    "is_organizer": True,
                    "status": "accepted",
                },
                {"email_address": email, "is_organizer": False, "status": "accepted"},
            ],
            "linked_records": [{"object": "people", "record_id": person["id"]["record_id"]}],
            "external_ref": "demo-discovery-call",
        },
        actor,
    )
    segments: list[dict[str, Any]] = []
    clock = 1.0
    for speaker, text in _CALL:
        for word in text.split():
            speech = {"speech": word, "start_time": clock, "end_time": round(clock + 0.4, 2)}
            segments.append({**speech, "speaker": {"name": speaker.format(person=name)}})
            clock = round(clock + 0.45, 2)
        clock += 1.0
    add_recording(
        state,
        call["id"]["meeting_id"],
        video_url="https://recordings.demo.example/discovery-call.mp4",
        actor=actor,
        status="completed",
        transcript=segments,
    )
