"""Pure rules of the accounts service: accounts, Digest, brute-force blocking, sessions."""
