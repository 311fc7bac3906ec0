"""``/scim/v2``: the SCIM schema listing Attio's description includes."""
