"""The system service's pure logic: identity, time, power, logs, syslog formats, parameters."""
