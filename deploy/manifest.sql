-- What a backup must bring back, as counts and content hashes (one line per table, sorted):
-- raw mail and the audit log first, then the records built from them. backup.sh writes it next to
-- the dumps; restore.sh computes it again on the restored database and compares.
SELECT 'helpdesk_inboundemail', count(*), md5(coalesce(string_agg(md5(raw), ',' ORDER BY id), ''))
  FROM helpdesk_inboundemail
UNION ALL
SELECT 'helpdesk_auditevent', count(*),
       md5(coalesce(string_agg(md5(concat_ws('|', id, created_at, actor_id, actor_label, action, object_type,
                                             object_id, ticket_id, data::text)), ',' ORDER BY id), ''))
  FROM helpdesk_auditevent
UNION ALL
SELECT 'helpdesk_ticket', count(*), md5(coalesce(string_agg(concat_ws('|', id, status, subject), ',' ORDER BY id), ''))
  FROM helpdesk_ticket
UNION ALL
SELECT 'helpdesk_message', count(*), md5(coalesce(string_agg(concat_ws('|', id, ticket_id, message_id), ',' ORDER BY id), ''))
  FROM helpdesk_message
UNION ALL
SELECT 'helpdesk_attachment', count(*), md5(coalesce(string_agg(concat_ws('|', id, sha256), ',' ORDER BY id), ''))
  FROM helpdesk_attachment
UNION ALL
SELECT 'drafts_draft', count(*), md5(coalesce(string_agg(concat_ws('|', id, status, md5(body)), ',' ORDER BY id), ''))
  FROM drafts_draft
UNION ALL
SELECT 'delivery_outboundmessage', count(*),
       md5(coalesce(string_agg(concat_ws('|', id, status, message_id), ',' ORDER BY id), ''))
  FROM delivery_outboundmessage
ORDER BY 1;
