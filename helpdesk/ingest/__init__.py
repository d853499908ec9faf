"""Mail coming in: IMAP (``imap``), polling and re-processing (``services``), turning stored raw mail
into tickets a batch at a time (``batch``, ``writer``, ``threads``), parse workers (``parse_pool``) and
mailbox configuration (``mailboxes``). Parsing itself is pure and lives in ``helpdesk.mail``."""
