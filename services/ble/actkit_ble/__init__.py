"""The ble service: Bluetooth LE beacon broadcast and reception."""
