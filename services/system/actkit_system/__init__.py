"""The system service: identity, time, power, logs, plain config, maintenance, upgrades."""
