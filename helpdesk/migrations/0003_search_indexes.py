"""GIN indexes for full-text search on PostgreSQL (nothing on SQLite, which searches with LIKE).

The index expressions come from ``helpdesk.search.search_vectors()``, the same expressions the search
query uses, so the planner can match them.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations


def _indexes():
    from helpdesk.search import search_vectors

    for name, (model, vector) in search_vectors().items():
        yield model, GinIndex(vector, name=name)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes():
        schema_editor.add_index(apps.get_model("helpdesk", model.__name__), index)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes():
        schema_editor.remove_index(apps.get_model("helpdesk", model.__name__), index)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0002_roles")]

    operations = [migrations.RunPython(create, drop)]
