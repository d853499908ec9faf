"""What people see: the operator pages (``views``, ``ticket_views``, ``draft_views``), their forms, the
HTML writers (``inbox_rows``, ``thread_html``, ``review``), the inbox reads (``keyset``), presence,
the JSON API (``api``) and template tags. Views fetch through permission-checked selectors and change
things only through services (``helpdesk.services``, ``drafts.services``)."""
