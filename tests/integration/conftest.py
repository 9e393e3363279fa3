"""Fixtures of the real-server tests: shared databases and the stand-in over real HTTP."""

import pytest

from demo.standin.server import StandInServer
from tests.integration.harness import DEMO_CLIENT, SharedDatabase


@pytest.fixture
def make_database(tmp_path):
    """Make fresh databases other processes can open (dropped after the test)."""
    made = []

    def make():
        folder = tmp_path / f'db{len(made)}'
        folder.mkdir()
        database = SharedDatabase(folder)
        made.append(database)
        return database

    yield make
    for database in made:
        database.drop()


@pytest.fixture
def live_standin():
    """The demo stand-in on a free port of 127.0.0.1, for processes other than the test's."""
    with StandInServer(*DEMO_CLIENT) as server:
        yield server
