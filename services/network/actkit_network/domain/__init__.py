"""Pure logic of the network service: settings rules, the firewall's life cycle, its ruleset."""
