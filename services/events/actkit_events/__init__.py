"""The events service: rules, conditions, actions, schedules, recipients, event log."""
