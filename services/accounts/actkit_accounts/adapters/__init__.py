"""Implementations of the accounts service's ports."""
