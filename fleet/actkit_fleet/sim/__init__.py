"""``make fleet-sim``: HQ and a fleet of light vehicles on loopback, with link cuts and crashes."""
