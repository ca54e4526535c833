"""The rollout: the engine the upgrade handlers run, the container steps, the updater, bundles."""
