"""HQ's side of the fleet: the cluster's configuration, vehicle provisioning, the HQ view."""
