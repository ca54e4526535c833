"""The ble service's rules, pure: the broadcasts asked for and the beacons received."""
