"""Mail as data: parse raw bytes into a ``ParsedEmail``, split replies from quotes, classify bounces,
complaints and reports, and make and read our Message-IDs. Pure: no IMAP, no database; ingest
(``helpdesk.ingest.services``) and delivery call these functions."""
