"""The {{name}} service: {{summary}}."""
