"""
The browser stage's fixtures: headless Chromium (Debian's ``chromium`` and ``chromium-driver``)
driven by Selenium, against the demo site as ``make demo-admin`` serves it (``DEMO_SITE_URL``,
default http://127.0.0.1:8000), and a screenshot of each step in ``ci-artifacts/browser/``.

Like the other real-server tests, a missing part (Selenium, the browser or its driver, the demo
site) skips the test with a one-line reason, and fails it in CI (``CI=true``).
"""

import os
import re
import shutil
import urllib.error
import urllib.request

import pytest

from tests.integration.harness import ROOT, require

SITE_URL = os.environ.get('DEMO_SITE_URL', 'http://127.0.0.1:8000').rstrip('/')
SCREENSHOTS = ROOT / 'ci-artifacts' / 'browser'
# Debian's packages; Selenium is never left to look for (or download) a browser or driver of its own.
BROWSER_NAMES = ('chromium', 'chromium-browser')
DRIVER_NAMES = ('chromedriver',)


def _which(names):
    return next((path for path in map(shutil.which, names) if path), None)


def _site_answers(url):
    try:
        with urllib.request.urlopen(f'{url}/admin/login/', timeout=5) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope='session')
def screenshots():
    """``shot(driver, name)`` saves the page as ``ci-artifacts/browser/NN-name.png`` (the folder emptied first)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob('*.png'):
        old.unlink()
    taken = []

    def shot(driver, name):
        path = SCREENSHOTS / f'{len(taken) + 1:02d}-{re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")}.png'
        driver.save_screenshot(str(path))
        taken.append(path)
        return path

    return shot


@pytest.fixture(scope='module')
def browser():
    """Headless Chromium through chromedriver, both Debian's."""
    try:
        from selenium import webdriver  # noqa: PLC0415 - only in .venv-browser
        from selenium.webdriver.chrome.service import Service  # noqa: PLC0415
    except ImportError:
        webdriver = None
    require(webdriver is not None, 'selenium is not installed (bash .ci/browser builds .venv-browser with it)')
    chromium, chromedriver = _which(BROWSER_NAMES), _which(DRIVER_NAMES)
    require(chromium and chromedriver,
            'chromium or chromedriver is missing (apt-get install chromium chromium-driver)')
    require(_site_answers(SITE_URL), f'the demo site does not answer at {SITE_URL} (make demo-admin)')
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
                     '--window-size=1920,1080', '--lang=en-US'):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
