from __future__ import annotations

import pytest

from integrations.demo_data import seed_erp


@pytest.fixture
def seeded(db: None) -> None:
    """The demo ERP data set in the test database."""
    seed_erp()
