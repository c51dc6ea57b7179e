"""The flows run for real against the run's one Prefect test server (`prefect_api` in tests/conftest.py)."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def prefect_server(prefect_api: str) -> None:
    """Started before the first flow test, whether or not it asks for the URL."""
