"""Broker adapters of the mqtt service."""
