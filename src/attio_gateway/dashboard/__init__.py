"""The dashboard: server-rendered Jinja2 pages behind an operator login."""
