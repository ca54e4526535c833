"""Implementations of the system service's ports: simulated and real."""
