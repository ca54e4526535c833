"""The events service's ways to the outside world: the clients that deliver notifications."""
