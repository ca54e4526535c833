"""The mqtt service: MQTT client: broker connection, publications, subscriptions."""
