"""The web service's routes, one module per resource."""
