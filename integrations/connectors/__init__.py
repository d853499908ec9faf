"""The connectors ``integrations.registry`` can build: ``demo``, ``sql`` and ``http``."""
