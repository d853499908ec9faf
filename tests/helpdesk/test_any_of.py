"""``bulk_sql.AnyOf`` finds what Django's ``__in`` finds, whichever way it sends the values: texts as one
text the server splits, and the values that cannot go that way (an empty text, one holding the
separator, numbers) as an array."""

from __future__ import annotations

import pytest
from django.db.models import F

from helpdesk.bulk_sql import AnyOf
from helpdesk.models import Contact

pytestmark = pytest.mark.django_db
NAMES = ["", "Anna", "Bo", "unit\x1fseparated", "Anna Lind"]


@pytest.mark.parametrize(
    "values",
    [
        [],
        [""],
        ["Anna"],
        ["Anna", "Bo", "Cilla"],
        ["", "Bo"],
        ["unit\x1fseparated"],
        ["unit", "separated"],
    ],
)
def test_any_of_finds_what_in_finds(values: list[str]) -> None:
    for n, name in enumerate(NAMES):
        Contact.objects.create(email=f"kund{n}@kund.example", name=name)

    found = set(Contact.objects.filter(AnyOf(F("name"), values)).values_list("name", flat=True))

    assert found == set(Contact.objects.filter(name__in=values).values_list("name", flat=True))
    assert found == set(values) & set(NAMES)


def test_any_of_takes_numbers() -> None:
    contacts = [Contact.objects.create(email=f"kund{n}@kund.example") for n in range(3)]
    keys = [contacts[0].pk, contacts[2].pk, 10**9]

    assert set(Contact.objects.filter(AnyOf(F("pk"), keys)).values_list("pk", flat=True)) == set(keys[:2])
