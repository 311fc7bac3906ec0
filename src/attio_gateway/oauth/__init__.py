"""The only place that speaks OAuth: providers as data, authorization URLs with PKCE,
code exchange, refresh, introspection and credential checks."""
