"""One full-text document per ticket on PostgreSQL: subject, contact, company and every message.

Replaces the per-field expression indexes of 0003: a search for a common word had to collect every
matching message of a million before it could show the newest fifty tickets. The document is kept by
database triggers (a derived column, not domain flow): a ticket's own fields when it is written, and
each message's text when the message is added, changed, moved or deleted. On SQLite the column stays
empty and search uses LIKE.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import migrations

OLD_INDEXES = ["ticket_subject_search", "message_body_search", "contact_search", "company_search"]

# Quoted history repeats earlier messages, so a message contributes its visible reply when it has
# one; each part is capped so a pathological mail cannot push the document past tsvector's 1 MB.
FORWARD = r"""
CREATE OR REPLACE FUNCTION helpdesk_message_words(body_text text, visible_text text) RETURNS tsvector
LANGUAGE sql IMMUTABLE AS $$
  SELECT strip(to_tsvector('simple', left(coalesce(nullif(visible_text, ''), body_text, ''), 20000)))
$$;

CREATE OR REPLACE FUNCTION helpdesk_ticket_document(bigint, text, bigint, bigint) RETURNS tsvector
LANGUAGE sql STABLE AS $$
  SELECT setweight(to_tsvector('simple', left(coalesce($2, ''), 2000)), 'A')
      || setweight(to_tsvector('simple', coalesce(
           (SELECT c.name || ' ' || c.email FROM helpdesk_contact c WHERE c.id = $3), '')), 'B')
      || setweight(to_tsvector('simple', coalesce(
           (SELECT o.name FROM helpdesk_company o WHERE o.id = $4), '')), 'B')
      || coalesce((SELECT strip(to_tsvector('simple', string_agg(
           left(coalesce(nullif(m.visible_text, ''), m.body_text, ''), 20000), ' ')))
           FROM helpdesk_message m WHERE m.ticket_id = $1), ''::tsvector)
$$;

CREATE OR REPLACE FUNCTION helpdesk_ticket_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := helpdesk_ticket_document(NEW.id, NEW.subject, NEW.contact_id, NEW.company_id);
  RETURN NEW;
END $$;

CREATE TRIGGER helpdesk_ticket_search BEFORE INSERT OR UPDATE OF subject, contact_id, company_id
  ON helpdesk_ticket FOR EACH ROW EXECUTE FUNCTION helpdesk_ticket_search_trigger();

CREATE OR REPLACE FUNCTION helpdesk_message_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- The common case adds the new words only, without reading the other messages again.
    UPDATE helpdesk_ticket
       SET search_vector = coalesce(search_vector, ''::tsvector)
                           || helpdesk_message_words(NEW.body_text, NEW.visible_text)
     WHERE id = NEW.ticket_id;
    RETURN NULL;
  END IF;
  UPDATE helpdesk_ticket t
     SET search_vector = helpdesk_ticket_document(t.id, t.subject, t.contact_id, t.company_id)
   WHERE t.id = OLD.ticket_id OR (TG_OP = 'UPDATE' AND t.id = NEW.ticket_id);
  RETURN NULL;
END $$;

CREATE TRIGGER helpdesk_message_search AFTER INSERT OR DELETE OR UPDATE OF body_text, visible_text, ticket_id
  ON helpdesk_message FOR EACH ROW EXECUTE FUNCTION helpdesk_message_search_trigger();

UPDATE helpdesk_ticket t
   SET search_vector = helpdesk_ticket_document(t.id, t.subject, t.contact_id, t.company_id);

CREATE INDEX ticket_search_document ON helpdesk_ticket USING gin (search_vector);
-- More most-common-word statistics, so rare words are estimated as rare.
ALTER TABLE helpdesk_ticket ALTER COLUMN search_vector SET STATISTICS 1000;
"""

BACKWARD = r"""
DROP INDEX IF EXISTS ticket_search_document;
DROP TRIGGER IF EXISTS helpdesk_message_search ON helpdesk_message;
DROP TRIGGER IF EXISTS helpdesk_ticket_search ON helpdesk_ticket;
DROP FUNCTION IF EXISTS helpdesk_message_search_trigger();
DROP FUNCTION IF EXISTS helpdesk_ticket_search_trigger();
DROP FUNCTION IF EXISTS helpdesk_ticket_document(bigint, text, bigint, bigint);
DROP FUNCTION IF EXISTS helpdesk_message_words(text, text);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in OLD_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0005_poll_schedule")]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="search_vector",
            field=SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forward, backward),
    ]
