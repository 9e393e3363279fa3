"""Fixtures shared by the whole suite."""

from types import SimpleNamespace

import pytest
import responses
from edx_django_utils.cache import TieredCache

from demo.standin.server import StandInServer
from test_utils.factories import EnterpriseCustomerFactory, UserFactory
from test_utils.fake_channels import FakeChannels
from test_utils.fake_lms import FakeLms


@pytest.fixture(autouse=True)
def clear_caches():
    """The LMS token lives in TieredCache (request cache and Django cache): start every test without it."""
    TieredCache.dangerous_clear_all_tiers()
    yield
    TieredCache.dangerous_clear_all_tiers()


@pytest.fixture
def http():
    """Every HTTP call of the test goes to `responses`; an unexpected URL fails the call."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def lms(http):
    return FakeLms(http)


@pytest.fixture
def customer(db):
    return EnterpriseCustomerFactory()


@pytest.fixture
def api_user(db):
    return UserFactory(username='api_worker')


@pytest.fixture
def configuration(customer):
    """The generic exporter needs only these three attributes of a configuration."""
    return SimpleNamespace(enterprise_customer=customer, transmission_chunk_size=500, id=1)


@pytest.fixture
def channels(http):
    return FakeChannels(http)


@pytest.fixture
def standin(settings):
    """The demo stand-in over real HTTP on a free port, with the LMS settings pointing at it."""
    server = StandInServer(settings.BACKEND_SERVICE_EDX_OAUTH2_KEY, settings.BACKEND_SERVICE_EDX_OAUTH2_SECRET)
    with server:
        settings.LMS_INTERNAL_ROOT_URL = f'{server.url}/lms'
        settings.BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL = f'{server.url}/lms/oauth2'
        yield server
