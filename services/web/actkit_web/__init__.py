"""The web service: dashboard, REST API and VAPIX API."""
