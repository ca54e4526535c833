"""Test support shared by every service: a real nats-server per test, FakeBus, a migrated DB."""
