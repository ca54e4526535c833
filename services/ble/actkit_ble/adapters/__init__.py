"""Implementations of the ble service's ports: BlueZ over D-Bus and the simulator."""
