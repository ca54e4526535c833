"""Pure logic of the events service: conditions, rules, schedules, templates and the log."""
