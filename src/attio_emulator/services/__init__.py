"""One package per Attio resource group: ``models.py`` (state, rules) and ``routes.py`` (wire)."""
