"""How much input the product stores or works on, in one place (docs/security.md, "Limits").

Every limit is enforced where the input arrives (forms, serializers, services) with a refusal that
names it, so a page or an API client learns the number instead of meeting a slow page later.
"""

from __future__ import annotations

import re

# Characters.
DRAFT_BODY = 20_000  # a reply; real ones are under 5,000
SUBJECT = 998  # RFC 5322's line limit
REJECT_REASON = 2_000
INSTRUCTION = 500
NOTE = 20_000
# Checked spans (numbers, codes, dates) kept per draft; what lies beyond is one unverified claim.
CLAIMS_PER_DRAFT = 300
# Addresses of one reply (To, Cc and Bcc together).
RECIPIENTS = 50
# Files attached to one reply: bytes of each, of all together, and how many.
ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENTS_BYTES = 20 * 1024 * 1024
ATTACHMENTS = 10
# Where files are uploaded: the reply composer's save and approve.
UPLOAD_PATHS = re.compile(r"^/drafts/\d+/(save|approve)/$")
# Bytes of one request body (forms, API, uploads); Django's DATA_UPLOAD_MAX_MEMORY_SIZE too.
REQUEST_BYTES = 1024 * 1024
# Nesting of JSON arrays and objects in an API body.
JSON_DEPTH = 32
