"""Messages added to tickets update each ticket's search document once per statement, and not at all
when the document would not change (issue 14: a batch of notices).

Migration 0006 appended a message's words to its ticket with one UPDATE per inserted message row. A
batch of 500 notices (a new ticket and its one message each) thus wrote every new ticket twice, the
second time as a new row version with an entry in each of the ticket's indexes, and that UPDATE was
most of the batch's database time. Now an INSERT of messages runs one UPDATE for the statement (a
trigger with a transition table): it adds each existing ticket's new words in one go and skips a
ticket whose document already holds them. A writer that inserts the messages first and their new
tickets after them (the keys reserved before) writes each ticket once: the ticket's own trigger
(0006) builds its document from its fields and the messages it finds.

The document is the same as before: the ticket's fields, then every message's words (stripped words are
a set: adding them twice changes nothing). Changing or deleting messages still rebuilds the document
row by row (0006). On SQLite there are no documents.
"""

from django.db import migrations

FORWARD = r"""
CREATE AGGREGATE helpdesk_words_union(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

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
