"""GDPR sections of the helpdesk's own tables, and the contract every app's section follows (``base``)."""
