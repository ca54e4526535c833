"""``make bench``: latency, throughput, memory and start-up of the stack, against the bus floor."""
