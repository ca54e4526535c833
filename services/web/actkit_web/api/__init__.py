"""The REST API (``/api/v1``): one module per resource, each route sending one command."""
