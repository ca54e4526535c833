"""The io service's rules, pure: port configuration, output ownership, the button, the board."""
