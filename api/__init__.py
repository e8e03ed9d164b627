"""The HTTP API: `create_app(system)` in api.main; no business rules live here."""
