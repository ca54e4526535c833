"""The {{name}} service's rules: pure functions and values, no bus, database or adapter."""
