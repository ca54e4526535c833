"""Implementations of the network service's ports: NetworkManager, nftables and simulators."""
