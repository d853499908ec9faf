"""Create the database cache table with the schema, so no deployment can forget `createcachetable`.

The cache is shared by web and workers (ERP answers and circuit breaker, presence); without the table
every cache operation fails. With REDIS_URL set there is nothing to create and this does nothing.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0006_ticket_search_document")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
