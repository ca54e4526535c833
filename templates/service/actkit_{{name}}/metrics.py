"""The {{name}} service's own Prometheus metrics (the bus's are core's)."""
