"""Search documents cost a new ticket one write, and a batch of messages one UPDATE per statement
(issue 14: a batch of notices).

Migration 0006 appended a message's words to its ticket with one UPDATE per inserted message row, and
built a new ticket's document by calling ``helpdesk_ticket_document`` from the ticket's trigger, which
reads the contact, the company and the messages row by row. A batch of 500 notices (a new ticket and its
one message each) thus wrote every new ticket twice, the second time as a new row version with an entry
in each of the ticket's indexes; that UPDATE, and then the trigger's reads, were most of the batch's
database time. Now:

- an INSERT of messages runs one UPDATE for the statement (a trigger with a transition table): it adds
  each existing ticket's new words in one go and skips a ticket whose document already holds them;
- the document's formula is one function of values, ``helpdesk_ticket_words(subject, contact,
  company, message words)``, which ``helpdesk_ticket_document`` calls with what it reads, and which a
  writer that inserts many tickets can call in its own INSERT ... SELECT with what it has joined
  already (PostgreSQL inlines it there);
- a ticket's INSERT keeps a document it is given (``search_vector`` not NULL): the writer built it
  with that formula from the ticket's own values and its messages, written before it in the same
  transaction. Without one, the trigger builds it as before.

The documents are the same as before: the ticket's fields, then every message's words (stripped words
are a set: adding them twice changes nothing). Changing or deleting messages still rebuilds the
document row by row (0006). On SQLite there are no documents.
"""

from django.db import migrations

FORWARD = r"""
CREATE AGGREGATE helpdesk_words_union(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

CREATE OR REPLACE FUNCTION helpdesk_ticket_words(subject text, party text, company text, messages tsvector)
RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
  SELECT setweight(to_tsvector('simple', left(coalesce(subject, ''), 2000)), 'A')
      || setweight(to_tsvector('simple', coalesce(party, '')), 'B')
      || setweight(to_tsvector('simple', coalesce(company, '')), 'B')
      || coalesce(messages, ''::tsvector)
$$;

CREATE OR REPLACE FUNCTION helpdesk_ticket_document(bigint, text, bigint, bigint) RETURNS tsvector
LANGUAGE sql STABLE AS $$
  SELECT helpdesk_ticket_words(
    $2,
    (SELECT c.name || ' ' || c.email FROM helpdesk_contact c WHERE c.id = $3),
    (SELECT o.name FROM helpdesk_company o WHERE o.id = $4),
    (SELECT strip(to_tsvector('simple', string_agg(
       left(coalesce(nullif(m.visible_text, ''), m.body_text, ''), 20000), ' ')))
       FROM helpdesk_message m WHERE m.ticket_id = $1))
$$;

CREATE OR REPLACE FUNCTION helpdesk_ticket_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A new ticket's document given by its writer is kept (see helpdesk 0022).
  IF TG_OP = 'INSERT' AND NEW.search_vector IS NOT NULL THEN
    RETURN NEW;
  END IF;
  NEW.search_vector := helpdesk_ticket_document(NEW.id, NEW.subject, NEW.contact_id, NEW.company_id);
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION helpdesk_messages_added_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE helpdesk_ticket t
     SET search_vector = coalesce(t.search_vector, ''::tsvector) || w.words
    FROM (SELECT a.ticket_id, helpdesk_words_union(helpdesk_message_words(a.body_text, a.visible_text)) AS words
            FROM added a WHERE EXISTS (SELECT FROM helpdesk_ticket x WHERE x.id = a.ticket_id)
           GROUP BY a.ticket_id) w
   WHERE t.id = w.ticket_id
     AND t.search_vector IS DISTINCT FROM coalesce(t.search_vector, ''::tsvector) || w.words;
  RETURN NULL;
END $$;

DROP TRIGGER helpdesk_message_search ON helpdesk_message;
CREATE TRIGGER helpdesk_message_search AFTER DELETE OR UPDATE OF body_text, visible_text, ticket_id
  ON helpdesk_message FOR EACH ROW EXECUTE FUNCTION helpdesk_message_search_trigger();
CREATE TRIGGER helpdesk_message_search_added AFTER INSERT ON helpdesk_message
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_messages_added_trigger();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS helpdesk_message_search_added ON helpdesk_message;
DROP TRIGGER IF EXISTS helpdesk_message_search ON helpdesk_message;
CREATE TRIGGER helpdesk_message_search AFTER INSERT OR DELETE OR UPDATE OF body_text, visible_text, ticket_id
  ON helpdesk_message FOR EACH ROW EXECUTE FUNCTION helpdesk_message_search_trigger();
DROP FUNCTION IF EXISTS helpdesk_messages_added_trigger();
CREATE OR REPLACE FUNCTION helpdesk_ticket_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := helpdesk_ticket_document(NEW.id, NEW.subject, NEW.contact_id, NEW.company_id);
  RETURN NEW;
END $$;
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
DROP FUNCTION IF EXISTS helpdesk_ticket_words(text, text, text, tsvector);
DROP AGGREGATE IF EXISTS helpdesk_words_union(tsvector);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0021_search_statistics")]

    operations = [migrations.RunPython(forward, backward)]
