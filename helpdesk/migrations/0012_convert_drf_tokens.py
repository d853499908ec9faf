"""Turn the plaintext keys of DRF's ``authtoken`` app into hashed ``ApiToken`` rows, then drop its table.

``rest_framework.authtoken`` is no longer installed, so its model cannot be loaded: the table is read
with SQL where it exists (databases from before this migration) and skipped where it does not. Each key
keeps working, because a token is found by the SHA-256 of the key the client sends. The table is
dropped, not just emptied, and the app's migration records, content types and permissions go with it,
so neither a plaintext key nor a stale trace of the app is left; installing the app again would start
clean. There is no way back to plaintext keys: reversing this migration does nothing.
"""

import datetime as dt
import hashlib
from typing import Any

from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

DRF_TABLE = "authtoken_token"


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return timezone.now()
    return value if timezone.is_aware(value) else timezone.make_aware(value, dt.timezone.utc)


def convert_drf_tokens(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if DRF_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("helpdesk", "ApiToken")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('key')}, {quote('user_id')}, {quote('created')} FROM {quote(DRF_TABLE)}"
        )
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="",
            prefix=key[:8],
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            created_at=_aware(created),
        )
        for key, user_id, created in rows
    )
    schema_editor.execute(f"DROP TABLE {quote(DRF_TABLE)}")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote('django_migrations')} WHERE {quote('app')} = %s", ["authtoken"])
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0011_api_tokens"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        # Admin log entries about DRF tokens lose their content type (SET NULL) instead of blocking.
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(convert_drf_tokens, migrations.RunPython.noop)]
