"""Renaming a contact (name or address) or a company rebuilds the search documents of their tickets.

Migration 0006 copies the contact's and company's names into each ticket's document, but only rebuilt it
when the ticket or one of its messages changed, so a renamed contact stayed findable under the old name
only. These triggers close that gap on PostgreSQL (SQLite searches the live columns with LIKE).
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION helpdesk_party_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'helpdesk_contact' THEN
    UPDATE helpdesk_ticket t
       SET search_vector = helpdesk_ticket_document(t.id, t.subject, t.contact_id, t.company_id)
     WHERE t.contact_id = NEW.id;
  ELSE
    UPDATE helpdesk_ticket t
       SET search_vector = helpdesk_ticket_document(t.id, t.subject, t.contact_id, t.company_id)
     WHERE t.company_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER helpdesk_contact_search AFTER UPDATE OF name, email ON helpdesk_contact FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email)
  EXECUTE FUNCTION helpdesk_party_search_trigger();

CREATE TRIGGER helpdesk_company_search AFTER UPDATE OF name ON helpdesk_company FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name)
  EXECUTE FUNCTION helpdesk_party_search_trigger();

-- Documents built before this migration may still hold old names: rebuild those that lack the current ones.
UPDATE helpdesk_ticket t
   SET search_vector = helpdesk_ticket_document(t.id, t.subject, t.contact_id, t.company_id)
 WHERE t.search_vector IS NULL OR NOT t.search_vector @@ plainto_tsquery('simple',
       coalesce((SELECT c.name || ' ' || c.email FROM helpdesk_contact c WHERE c.id = t.contact_id), '')
       || ' ' || coalesce((SELECT o.name FROM helpdesk_company o WHERE o.id = t.company_id), ''));
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS helpdesk_company_search ON helpdesk_company;
DROP TRIGGER IF EXISTS helpdesk_contact_search ON helpdesk_contact;
DROP FUNCTION IF EXISTS helpdesk_party_search_trigger();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0008_inbox_sla_tag_indexes")]

    operations = [migrations.RunPython(forward, backward)]
