"""The accounts service: accounts, roles, authentication, certificates."""
