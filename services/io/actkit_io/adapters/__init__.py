"""Implementations of the io service's hardware ports."""
