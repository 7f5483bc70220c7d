"""The support page (GET /ui) in a real headless Chromium (Debian's chromium + chromium-driver,
driven by selenium), against the real agent and predictors with a SQLite review store: classify a
ticket, see its category and redacted text, correct it from the review queue, read it back."""

from __future__ import annotations

import shutil

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.agent.test_agent import PII_TICKET, SECRETS
from tests.conftest import ROOT, agent_with_store

SCREENSHOTS = ROOT / "bench" / "results"


def _binary(*names: str) -> str:
    for name in names:
        if found := shutil.which(name):
            return found
    raise RuntimeError(f"none of {names} found: apt-get install chromium chromium-driver")


@pytest.fixture(scope="module")
def ui_agent(svm_server, transformer_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ui")
    with agent_with_store(tmp, svm_server.url, transformer_server.url, "ui-key") as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = _binary("chromium", "chromium-browser", "google-chrome")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(
        service=Service(executable_path=_binary("chromedriver")), options=options
    )
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_page_classifies_and_corrects(ui_agent, browser):
    wait = WebDriverWait(browser, 30)
    assert httpx.get(ui_agent.url, follow_redirects=False).headers["location"] == "/ui"
    browser.get(f"{ui_agent.url}/ui")
    key = browser.find_element(By.ID, "api-key")
    key.send_keys("ui-key")
    key.send_keys("\t")  # change event: the page keeps the key for its calls
    browser.find_element(By.ID, "ticket").send_keys(PII_TICKET)
    browser.find_element(By.ID, "classify-btn").click()
    wait.until(lambda d: d.find_element(By.ID, "category").text)
    category = browser.find_element(By.ID, "category").text
    redacted = browser.find_element(By.ID, "redacted")
    assert "<PERSON>" in redacted.text and "<EMAIL>" in redacted.text
    assert not [s for s in SECRETS if s in redacted.text]
    assert redacted.find_elements(By.CSS_SELECTOR, "mark.pii")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#top > div")) == 3
    assert browser.find_element(By.ID, "band").text in {"auto", "review"}
    request_id = browser.find_element(By.ID, "model").text.rsplit("request ", 1)[1]
    browser.save_screenshot(str(SCREENSHOTS / "ui-classify.png"))

    browser.find_element(By.ID, "tab-review").click()
    Select(browser.find_element(By.ID, "review-band")).select_by_visible_text("all")
    item = wait.until(
        ec.presence_of_element_located(
            (By.CSS_SELECTOR, f'#queue[data-band="all"] .item[data-request-id="{request_id}"]')
        )
    )
    # Nothing reviewed yet: the desk's mix is shown as not in use (agent/traffic_mix.py).
    wait.until(lambda d: "not in use until 100" in d.find_element(By.ID, "desk-mix").text)
    choice = Select(item.find_element(By.CSS_SELECTOR, ".correct-category"))
    other = next(o.text for o in choice.options if o.text != category)
    browser.execute_script("arguments[0].scrollIntoView()", item)
    browser.save_screenshot(str(SCREENSHOTS / "ui-review.png"))
    choice.select_by_visible_text(other)
    item.find_element(By.CSS_SELECTOR, "button.correct").click()
    wait.until(lambda d: "corrected" in item.find_element(By.CSS_SELECTOR, ".status").text)
    stored = httpx.get(
        f"{ui_agent.url}/v1/review/{request_id}", headers={"authorization": "Bearer ui-key"}
    ).json()
    assert stored["feedback"] == {"category": other, "verdict": "corrected", "note": None}


def test_page_reports_a_wrong_api_key(ui_agent, browser):
    browser.get(f"{ui_agent.url}/ui")
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{ui_agent.url}/ui")
    browser.find_element(By.ID, "api-key").send_keys("wrong")
    browser.find_element(By.ID, "ticket").send_keys("printer offline")
    browser.find_element(By.ID, "classify-btn").click()
    WebDriverWait(browser, 30).until(
        lambda d: "401" in d.find_element(By.ID, "classify-error").text
    )
