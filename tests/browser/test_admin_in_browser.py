"""
SPEC 21 in a real browser: did learner X's completion reach customer Y's channel, and if not, why?

Against the demo site after ``make demo`` (``make demo-admin``, or ``.ci/browser`` which starts
it): the demo's refused learner has a failed record on each channel. As the demo's superuser,
find it by email in each channel's audit rows' search box, read SAP's outcome, reason and dates,
and see that no delete action exists; as the staff user who may only view and send again, send it again
and read the outcome message, then the transmission runs and the customer's summary in the
browsable API. Elements are found by the admin's standard ids and classes, not column order.
A screenshot of each step goes to ``ci-artifacts/browser/``.
"""

import re

import pytest

from demo.management.commands.demo_admin_users import ADMIN, SEND_AGAIN_USER
from demo.population import CUSTOMERS, build_population, refused_learners
from enterprise_export.channels import CHANNELS
from tests.browser.conftest import SITE_URL

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # not in .venv-browser: the ``browser`` fixture skips the tests (fails them in CI)
    pass

pytestmark = pytest.mark.browser

ISO_DATE = re.compile(r'\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\b')
EPOCH_MILLISECONDS = re.compile(r'\b1\d{12}\b')
UUID = re.compile(r'\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b')
OUTCOME_MESSAGE = re.compile(r'\d+ sent, \d+ skipped, \d+ failed')
WAIT_SECONDS = 60
REFUSED = {learner.channel: learner for learner in refused_learners(build_population(1, refused_learner=True))}


def wait(driver, seconds=WAIT_SECONDS):
    return WebDriverWait(driver, seconds)


def log_in(driver, username, password):
    driver.delete_all_cookies()
    driver.get(f'{SITE_URL}/admin/login/?next=/admin/')
    driver.find_element(By.ID, 'id_username').send_keys(username)
    driver.find_element(By.ID, 'id_password').send_keys(password + Keys.RETURN)
    wait(driver).until(expected_conditions.presence_of_element_located((By.ID, 'user-tools')))


def audit_changelist(channel):
    return f'{SITE_URL}/admin/enterprise_export/{CHANNELS[channel].audit_model._meta.model_name}/'


def search(driver, url, term):
    """Type ``term`` into the change list's search box at ``url``; the result rows."""
    driver.get(url)
    box = driver.find_element(By.ID, 'searchbar')
    box.clear()
    box.send_keys(term + Keys.RETURN)
    wait(driver).until(lambda page: 'q=' in page.current_url)
    return driver.find_elements(By.CSS_SELECTOR, '#result_list tbody tr')


def failed_row(rows):
    """The first row whose outcome says failed."""
    failed = [row for row in rows if re.search(r'\bfailed\b', row.text)]
    assert failed, f'no failed row among {[row.text for row in rows]}'
    return failed[0]


def assert_not_an_error_page(driver):
    title = driver.title.lower()
    assert not any(words in title for words in ('not found', 'server error', 'forbidden')), driver.title


def test_a_failed_completion_found_on_each_channel_read_and_sent_again(browser, screenshots):
    sap = REFUSED['SAP']
    customer_slug = next(slug for slug, _name, channel in CUSTOMERS if channel == 'SAP')

    # The superuser finds the refused learner's failed completion by email on each channel...
    log_in(browser, *ADMIN)
    screenshots(browser, 'logged in')
    for channel, learner in REFUSED.items():
        row = failed_row(search(browser, audit_changelist(channel), learner.email))
        assert 'HTTP 400' in row.text, (channel, row.text)  # the reason sentence of a refusal
        screenshots(browser, f'{channel} failed row')

    # ... and reads why and when on SAP's.
    row = failed_row(search(browser, audit_changelist('SAP'), sap.email))
    screenshots(browser, 'search by email')
    assert 'The channel refused the learner' in row.text and 'HTTP 400' in row.text, row.text
    dates = ISO_DATE.findall(row.text)
    assert len(dates) >= 2, f'the completion date and the last attempt as YYYY-MM-DDTHH:MM:SSZ: {row.text}'
    assert not EPOCH_MILLISECONDS.search(row.text), f'epoch milliseconds shown: {row.text}'

    # No delete action, and no way to delete the row from its page.
    actions = browser.find_elements(By.CSS_SELECTOR, 'select[name=action]')
    values = [option.get_attribute('value') for select in actions for option in Select(select).options]
    labels = [option.text for select in actions for option in Select(select).options]
    assert 'delete_selected' not in values and not any('Delete selected' in label for label in labels), labels
    row.find_element(By.CSS_SELECTOR, 'th a').click()
    wait(browser).until(expected_conditions.presence_of_element_located((By.ID, 'content')))
    screenshots(browser, 'failed row detail')
    detail = browser.find_element(By.ID, 'content').text
    assert 'HTTP 400' in detail and ISO_DATE.search(detail), detail
    assert not browser.find_elements(By.CSS_SELECTOR, '.deletelink'), 'the audit row page offers to delete it'

    # The staff user who may send again selects the row and runs the action.
    log_in(browser, *SEND_AGAIN_USER)
    row = failed_row(search(browser, audit_changelist('SAP'), sap.email))
    row.find_element(By.CSS_SELECTOR, 'input.action-select').click()
    Select(browser.find_element(By.CSS_SELECTOR, 'select[name=action]')).select_by_value('send_again')
    screenshots(browser, 'send again selected')
    browser.find_element(By.CSS_SELECTOR, 'button[name=index]').click()
    message = wait(browser).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, '.messagelist')))
    screenshots(browser, 'send again outcome')
    assert OUTCOME_MESSAGE.search(message.text), message.text

    # The transmission runs, newest first: make demo's and the one just sent again.
    browser.get(f'{SITE_URL}/admin/enterprise_export/transmissionrun/')
    screenshots(browser, 'transmission runs')
    assert_not_an_error_page(browser)
    assert browser.find_elements(By.CSS_SELECTOR, '#result_list tbody tr'), browser.find_element(By.ID, 'content').text

    # The customer's summary in the browsable API (HTML, no error page).
    rows = search(browser, f'{SITE_URL}/admin/enterprise_export/enterprisecustomer/', customer_slug)
    customer_uuid = UUID.search(' '.join(row.text for row in rows))
    assert customer_uuid, [row.text for row in rows]
    browser.get(f'{SITE_URL}/enterprise-export/api/v1/customers/{customer_uuid.group()}/transmissions/summary/')
    screenshots(browser, 'api summary')
    assert_not_an_error_page(browser)
    assert 'HTTP 200 OK' in browser.find_element(By.TAG_NAME, 'body').text
    assert browser.find_elements(By.CSS_SELECTOR, '.response-info'), 'not the browsable API page'
