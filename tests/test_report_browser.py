"""The scenario report in a real browser: headless Chromium loads it from disk, the map renders
(a screenshot of it is not blank), and the console shows no errors.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them). Skipped where
they are missing, except under CI, where their absence fails the test.
"""

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from assignopt.scenario import load_scenario
from assignopt.workflows.scenario import run_scenario

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        if os.environ.get("CI"):
            pytest.fail("CI needs chromium and chromium-driver (installed by .ci/run)")
        pytest.skip("chromium and chromedriver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,1600",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def test_sacramento_report_renders_its_map(browser, tmp_path):
    from selenium.webdriver.common.by import By

    result = run_scenario(load_scenario(ROOT / "models" / "sacramento.toml"), tmp_path, quick=True)
    browser.get(result["report"].resolve().as_uri())
    _wait_for_map(browser)
    time.sleep(0.5)
    shot = tmp_path / "map.png"
    browser.find_element(By.ID, "map").screenshot(str(shot))
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3].reshape(-1, 3)
    colors = np.unique((pixels * 255).astype(np.uint8), axis=0)
    background = np.array([0xE8, 0xED, 0xF2]) / 255  # the map div's CSS background
    drawn = np.mean(np.abs(pixels - background).sum(axis=1) > 0.05)
    # Polygons, flows and schools: many colours and a good part of the frame drawn over.
    assert len(colors) > 50
    assert drawn > 0.1
    # Leaflet drew the layers: neighborhood paths and the layer control are in the page.
    assert (
        len(browser.find_elements(By.CSS_SELECTOR, "#map path")) > 0
        or browser.execute_script("return document.querySelectorAll('#map canvas').length") > 0
    )
    assert browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers")
    # One radio button per tolerance; choosing one shows that tolerance's layer alone.
    labels = browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-base label")
    assert [label.text.strip() for label in labels] == [
        "tolerance \u00b10.00",
        "tolerance \u00b10.10",
        "tolerance \u00b10.20",
    ]
    labels[1].find_element(By.TAG_NAME, "input").click()
    shown = browser.execute_script(
        "var m = window.assignoptMap;"
        "return Object.keys(m.policies).map(function (k) {"
        "  return m.map.hasLayer(m.policies[k]);"
        "});"
    )
    assert shown == [False, True, False]
    # The legend ramps from 0% to the largest share, as the map data say.
    legend = browser.find_element(By.CSS_SELECTOR, ".legend").text
    data = browser.execute_script(
        "return JSON.parse(document.getElementById('assignopt-map-data').textContent);"
    )
    assert "black share of each neighborhood's students" in legend
    assert legend.split()[-5:] == data["value_ticks"]
    assert data["value_ticks"][0] == "0.0%"
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def _wait_for_map(browser):
    deadline = time.time() + 20
    while not browser.execute_script("return window.assignoptMapReady === true"):
        assert time.time() < deadline, "the map script never finished"
        time.sleep(0.2)


# Opens every neighborhood's and school's tooltip in turn and returns what each shows.
_TOOLTIPS = """
var texts = [];
var visit = function (layer) {
  if (layer.eachLayer) { layer.eachLayer(visit); return; }
  if (!layer.getTooltip || !layer.getTooltip()) { return; }
  layer.openTooltip(layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter());
  var node = layer.getTooltip().getElement();
  texts.push({text: node.textContent, elements: node.querySelectorAll('img, script').length});
  layer.closeTooltip();
};
var m = window.assignoptMap;
visit(m.neighborhoods);
Object.keys(m.policies).forEach(function (k) {
  m.map.addLayer(m.policies[k]);
  visit(m.policies[k]);
});
return texts;
"""


def test_hostile_names_never_run_script(browser, tmp_path):
    """Names with </script> and <img onerror> are shown as text and run nothing."""
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    from tests.test_report import DISTRICT_NAME, hostile_name, hostile_scenario

    model = hostile_scenario(tmp_path / "input")
    result = run_scenario(load_scenario(model), tmp_path / "out", quick=True)
    browser.get(result["report"].resolve().as_uri())
    _wait_for_map(browser)
    time.sleep(0.5)  # time for an <img onerror> to fire, were one on the page
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 (reading it is the check)
    assert browser.execute_script("return window.assignoptPwned === undefined")
    # No element from a name: the only images are the inlined PNG figures.
    sources = [img.get_attribute("src") for img in browser.find_elements(By.TAG_NAME, "img")]
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert len(browser.find_elements(By.TAG_NAME, "script")) == 3
    # The names are on the page literally: title, heading, schools table.
    assert browser.title == DISTRICT_NAME
    body = browser.find_element(By.TAG_NAME, "body").text
    assert DISTRICT_NAME in body
    assert hostile_name(1, "school") in body
    # Tooltips show each neighborhood's and school's id as text.
    tips = browser.execute_script(_TOOLTIPS)
    assert all(t["elements"] == 0 for t in tips)
    shown = " ".join(t["text"] for t in tips)
    for k in range(9):
        assert hostile_name(k, "tract") in shown
    for k in range(4):
        assert hostile_name(k + 1, "school") in shown
    assert browser.execute_script("return window.assignoptPwned === undefined")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
