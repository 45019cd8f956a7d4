"""A real browser (headless Chromium via Selenium) using the running app."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    chrome = os.environ.get("CHROME_BIN", "/usr/bin/chromium")
    driver_path = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
    for path in (chrome, driver_path):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} not found: install Debian's chromium and chromium-driver, "
                        "or set CHROME_BIN and CHROMEDRIVER")
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    # An explicit binary and driver keep Selenium Manager from trying to download either.
    options.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1200,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _search(browser, base_url, text):
    browser.get(base_url + "/")
    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    WebDriverWait(browser, 20).until(ec.url_contains("/search"))


@pytest.mark.upstream_ok
def test_home_page_shows_a_forecast(browser, base_url):
    browser.get(base_url + "/")
    assert browser.find_element(By.ID, "place-name").text.strip()
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.day")) == 7


@pytest.mark.upstream_ok
def test_searching_london_shows_london(browser, base_url):
    _search(browser, base_url, "London")
    WebDriverWait(browser, 20).until(ec.text_to_be_present_in_element((By.ID, "place-name"), "London"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.day")) == 7
    assert "London" in browser.title


@pytest.mark.upstream_ok
def test_garbage_search_shows_the_friendly_message(browser, base_url):
    _search(browser, base_url, "zzqx!!##")
    message = browser.find_element(By.CSS_SELECTOR, ".message").text
    assert "We could not find a place called" in message
    assert browser.find_elements(By.CSS_SELECTOR, "tr.day") == []


@pytest.mark.upstream_ok
def test_script_in_the_search_box_is_shown_not_run(browser, base_url):
    _search(browser, base_url, "<script>document.title='pwned'</script>")
    assert "pwned" not in browser.title
    assert "<script>" in browser.find_element(By.CSS_SELECTOR, ".message").text


def test_empty_search_shows_the_friendly_message(browser, base_url):
    _search(browser, base_url, "")
    assert "Please enter a city name" in browser.find_element(By.CSS_SELECTOR, ".message").text


@pytest.mark.upstream_down
def test_outage_page_is_clear(browser, base_url):
    browser.get(base_url + "/")
    assert "unavailable" in browser.find_element(By.CSS_SELECTOR, ".message").text
    assert "Traceback" not in browser.page_source
