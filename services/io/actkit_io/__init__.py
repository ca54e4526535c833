"""The io service: owns the I/O connector's ports and their hardware."""
