"""GDPR for contacts: export everything about a person, erase their personal data, legal holds.

Each app contributes sections for its own tables (``helpdesk.gdpr.sections``, ``drafts.gdpr``,
``delivery.gdpr``); this package sits above them all, lists them (``registry``) and runs them
(``services``, ``export``). docs/architecture.md, "GDPR".
"""
