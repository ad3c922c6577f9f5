"""The console in a real browser (headless Debian Chromium driven by Selenium): log in,
watch a station come online without a reload, send a Reset and read the answer, and a
viewer sees no command panel. Screenshots of the main views go to .local/screenshots/.

Selenium blocks, and the simulated station must keep answering on the test's event loop,
so every browser step runs in a thread."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.cluster import Cluster, free_port
from tests.conftest import PASSWORD, Api
from tests.console.charging import charge
from tests.operated_station import OperatedStation
from tests.simulator import sim_station

SHOTS = Path(__file__).resolve().parents[2] / ".local" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WAIT = 15.0


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None or DRIVER is None:
        if os.environ.get("CSMS_REQUIRE_BROWSER"):
            pytest.fail("CSMS_REQUIRE_BROWSER is set but chromium or chromedriver is missing")
        pytest.skip("no chromium/chromedriver: `make test` installs them (apt)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument("--window-size=1280,900")
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


async def step(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


def _wait_for(driver: Any, check: Callable[[Any], Any]) -> Any:
    """Until ``check`` holds; an element a live refresh replaced meanwhile is looked up again."""
    stale = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(driver, WAIT, ignored_exceptions=stale).until(check)


def _login(driver: Any, console_url: str, key: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{console_url}/login")
    driver.find_element(By.ID, "key").send_keys(key)
    driver.find_element(By.ID, "login").click()
    _wait_for(driver, lambda d: d.find_elements(By.ID, "tiles"))
    _wait_for(driver, lambda d: d.find_element(By.ID, "live-state").text == "live")
    driver.save_screenshot(str(SHOTS / "dashboard.png"))


def _row_status(driver: Any, station: str) -> str:
    row = driver.find_element(By.CSS_SELECTOR, f'[data-station-row="{station}"] [data-status]')
    return str(row.text)


def _open_list(driver: Any, console_url: str, station: str) -> None:
    driver.get(f"{console_url}/stations?q={station}")
    _wait_for(driver, lambda d: d.find_element(By.ID, "live-state").text == "live")
    driver.execute_script("window.notReloaded = true")


def _send_reset(driver: Any, console_url: str, station: str) -> str:
    driver.get(f"{console_url}/stations/{station}")
    Select(driver.find_element(By.ID, "action")).select_by_visible_text("Reset")
    Select(driver.find_element(By.ID, "f-type")).select_by_visible_text("Immediate")
    driver.find_element(By.ID, "send").click()
    result = _wait_for(driver, lambda d: d.find_elements(By.ID, "command-result"))[0]
    driver.save_screenshot(str(SHOTS / "station.png"))
    return str(result.text)


async def test_a_station_comes_online_live_and_answers_a_reset(
    browser: Any, cluster: Cluster, console_url: str, station: str
):
    await step(_login, browser, console_url, cluster.admin_key)
    await step(_open_list, browser, console_url, station)
    assert await step(_row_status, browser, station) == "offline"
    async with sim_station(cluster.ws_url, station, PASSWORD, cls=OperatedStation) as cp:
        assert (await cp.boot()).status == "Accepted"
        await step(_wait_for, browser, lambda d: _row_status(d, station) == "online")
        assert await step(browser.execute_script, "return window.notReloaded") is True
        await step(browser.save_screenshot, str(SHOTS / "stations.png"))

        answer = await step(_send_reset, browser, console_url, station)
        assert "200" in answer and "Accepted" in answer
        assert cp.received[-1] == ("Reset", {"type": "Immediate"})


async def test_a_viewer_sees_no_command_panel(
    browser: Any, console_url: str, role_keys: dict[str, str], station: str
):
    await step(_login, browser, console_url, role_keys["viewer"])
    await step(browser.get, f"{console_url}/stations/{station}")
    assert station in await step(lambda: browser.find_element(By.TAG_NAME, "h1").text)
    assert await step(browser.find_elements, By.ID, "command-panel") == []
    await step(browser.save_screenshot, str(SHOTS / "station-viewer.png"))


def _live_state(driver: Any) -> str:
    return str(driver.find_element(By.ID, "live-state").text)


async def _port_open(port: int, timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        writer.close()
        return
    raise AssertionError(f"nothing listens on {port}")


async def test_the_live_channel_survives_an_api_restart(browser: Any, cluster: Cluster):
    """An API process of its own, stopped and started again on the same port: the page's
    stream ends with the process and the browser reconnects by itself."""
    port = free_port()
    listen = {"API_LISTEN": f"127.0.0.1:{port}"}
    name = cluster.start("api", **listen)
    try:
        await _port_open(port)
        await step(_login, browser, f"http://127.0.0.1:{port}/console", cluster.admin_key)
        await step(browser.execute_script, "window.notReloaded = true")
        assert cluster.kill(name, signal.SIGTERM) == 0
        await step(_wait_for, browser, lambda d: _live_state(d) != "live")
        name = cluster.start("api", **listen)
        await step(_wait_for, browser, lambda d: _live_state(d) == "live")
        assert await step(browser.execute_script, "return window.notReloaded") is True
    finally:
        cluster.kill(name, signal.SIGTERM)


def _open_transaction(driver: Any, console_url: str, station: str, tx_id: str) -> str:
    driver.get(f"{console_url}/transactions?station={station}")
    driver.find_element(By.LINK_TEXT, tx_id).click()
    chart = _wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "svg#energy-chart"))[0]
    driver.execute_script("arguments[0].scrollIntoView()", chart)
    driver.save_screenshot(str(SHOTS / "transaction.png"))
    path = chart.find_element(By.CSS_SELECTOR, "path.series.energy")
    assert path.size["width"] > 100, path.size
    dark = {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", dark)
    driver.save_screenshot(str(SHOTS / "transaction-dark.png"))
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    return str(path.get_attribute("d"))


async def test_open_a_transaction_and_see_its_chart(
    api: Api,
    browser: Any,
    cluster: Cluster,
    console_url: str,
    role_keys: dict[str, str],
    station: str,
):
    async with sim_station(cluster.ws_url, station, PASSWORD) as cp:
        await cp.boot()
        await charge(cp, api, station, "TX-CHART-1", power=True)
    await step(_login, browser, console_url, role_keys["viewer"])
    d = await step(_open_transaction, browser, console_url, station, "TX-CHART-1")
    assert d.startswith("M") and d.count("L") == 3


def _open_alerts(driver: Any, console_url: str, station: str) -> None:
    driver.get(f"{console_url}/alerts?station={station}")
    _wait_for(driver, lambda d: d.find_element(By.ID, "live-state").text == "live")
    driver.execute_script("window.notReloaded = true")


def _acknowledge(driver: Any, alert: str) -> str:
    row = f'[data-alert-row="{alert}"]'

    def type_note(d: Any) -> bool:  # the focused row is never refreshed under the user
        d.find_element(By.CSS_SELECTOR, f"{row} input[name=note]").send_keys("looking")
        return True

    _wait_for(driver, type_note)
    driver.find_element(By.CSS_SELECTOR, f"{row} button").click()
    cell = _wait_for(
        driver,
        lambda d: (
            "looking" in d.find_element(By.CSS_SELECTOR, f"{row} [data-ack]").text
            and d.find_element(By.CSS_SELECTOR, f"{row} [data-ack]")
        ),
    )
    driver.save_screenshot(str(SHOTS / "alerts.png"))
    return str(cell.text)


async def test_a_raised_alert_appears_live_and_an_operator_acknowledges_it(
    api: Api,
    browser: Any,
    cluster: Cluster,
    console_url: str,
    role_keys: dict[str, str],
    station: str,
):
    from tests.console.test_views import _raise_alert

    await step(_login, browser, console_url, role_keys["operator"])
    await step(_open_alerts, browser, console_url, station)
    async with sim_station(cluster.ws_url, station, PASSWORD) as cp:
        await cp.boot()
        alert = await _raise_alert(cp, api, station, 0, "88.8")
    selector = f'[data-alert-row="{alert}"]'
    await step(_wait_for, browser, lambda d: d.find_elements(By.CSS_SELECTOR, selector))
    assert await step(browser.execute_script, "return window.notReloaded") is True
    assert "console-operator" in await step(_acknowledge, browser, alert)


def _open_site(driver: Any, console_url: str, site: str) -> int:
    driver.get(f"{console_url}/sites")
    driver.find_element(By.LINK_TEXT, site).click()
    bars = _wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "svg#site-bars"))[0]
    _wait_for(driver, lambda d: d.find_element(By.ID, "live-state").text == "live")
    driver.execute_script("window.notReloaded = true")
    driver.save_screenshot(str(SHOTS / "site.png"))
    return len(bars.find_elements(By.CSS_SELECTOR, "rect.bar"))


def _effective_limit(driver: Any) -> str:
    return str(driver.find_element(By.ID, "effective-limit").text)


async def test_a_site_shows_its_allocations_as_bars(
    api: Api, browser: Any, cluster: Cluster, console_url: str, role_keys: dict[str, str]
):
    from tests.test_end_to_end import eventually
    from tests.test_sites import key, site_of

    async with site_of(cluster, api, 2, maxCurrent=32.0) as (site, cps, ledger):
        a, b = cps
        await a.start_transaction("TX-BAR-1")
        await b.start_transaction("TX-BAR-2")
        await ledger.until({key(a, "TX-BAR-1"): 16.0, key(b, "TX-BAR-2"): 16.0})

        async def stored() -> Any:
            _, shown = await api.request("GET", f"/sites/{site}")
            return len(shown["allocations"]) == 2 or None

        await eventually(stored)
        await step(_login, browser, console_url, role_keys["viewer"])
        assert await step(_open_site, browser, console_url, site) == 3
        assert await step(_effective_limit, browser) == "32.0 A"
        # A new external limit: the open page follows the site's events without a reload.
        status, _ = await api.request("PUT", f"/sites/{site}/limit", {"maxCurrent": 20.0})
        assert status == 200
        await step(_wait_for, browser, lambda d: _effective_limit(d) == "20.0 A")
        assert await step(browser.execute_script, "return window.notReloaded") is True


def _theme(driver: Any) -> str | None:
    value = driver.execute_script("return document.documentElement.dataset.theme || null")
    return None if value is None else str(value)


def _cycle_theme(driver: Any, console_url: str) -> list[str | None]:
    """system -> light -> dark, kept across a page load, then back to the system's."""
    seen = [_theme(driver)]
    button = driver.find_element(By.ID, "theme")
    button.click()
    seen.append(_theme(driver))
    button.click()
    seen.append(_theme(driver))
    driver.get(f"{console_url}/stations")
    seen.append(_wait_for(driver, _theme))
    driver.save_screenshot(str(SHOTS / "stations-dark.png"))
    driver.find_element(By.ID, "theme").click()
    seen.append(_theme(driver))
    return seen


async def test_the_theme_button_cycles_and_is_remembered(
    browser: Any, console_url: str, role_keys: dict[str, str]
):
    await step(_login, browser, console_url, role_keys["viewer"])
    seen = await step(_cycle_theme, browser, console_url)
    assert seen == [None, "light", "dark", "dark", None]


def _visit(driver: Any, url: str, shot: str) -> str:
    driver.get(url)
    heading = _wait_for(driver, lambda d: d.find_elements(By.TAG_NAME, "h1"))[0]
    driver.save_screenshot(str(SHOTS / f"{shot}.png"))
    return str(heading.text)


async def test_every_main_view_opens_for_an_admin(
    api: Api, browser: Any, cluster: Cluster, console_url: str, station: str
):
    """One screenshot of each view besides those above; each page has its heading."""
    async with sim_station(cluster.ws_url, station, PASSWORD) as cp:
        await cp.boot()
    await step(_login, browser, console_url, cluster.admin_key)
    views = {
        "device-model": f"/stations/{station}/device-model",
        "station-charging": f"/stations/{station}/charging",
        "transactions": "/transactions",
        "id-tokens": "/id-tokens",
        "local-lists": "/local-lists",
        "api-keys": "/admin/api-keys",
        "audit": "/admin/audit",
        "sites": "/sites",
    }
    for shot, path in views.items():
        heading = await step(_visit, browser, console_url + path, shot)
        assert heading and "Not found" not in heading, (path, heading)


def _open_tab(driver: Any, console_url: str, station: str, tab: str) -> None:
    driver.get(f"{console_url}/stations/{station}/{tab}")
    _wait_for(driver, lambda d: d.find_element(By.ID, "live-state").text == "live")
    driver.execute_script("window.notReloaded = true")


async def test_a_station_tab_follows_the_station_live(
    api: Api, browser: Any, console_url: str, role_keys: dict[str, str], operated: OperatedStation
):
    from tests.test_monitoring import POWER, monitor, set_monitors

    await step(_login, browser, console_url, role_keys["viewer"])
    await step(_open_tab, browser, console_url, operated.id, "monitors")
    assert await step(browser.find_elements, By.CSS_SELECTOR, "[data-monitor-row]") == []
    status, body = await set_monitors(api, operated.id, monitor(POWER, "UpperThreshold", 22000))
    assert status == 200, body
    rows = "[data-monitor-row]"
    await step(_wait_for, browser, lambda d: d.find_elements(By.CSS_SELECTOR, rows))
    assert await step(browser.execute_script, "return window.notReloaded") is True
    await step(browser.save_screenshot, str(SHOTS / "station-monitors.png"))


def _send_raw(driver: Any, console_url: str, station: str, action: str, raw: str) -> str:
    driver.get(f"{console_url}/stations/{station}?action={action}")
    driver.find_element(By.CSS_SELECTOR, "#command-form details summary").click()
    driver.find_element(By.ID, "raw-request").send_keys(raw)
    driver.find_element(By.ID, "send-raw").click()
    return str(_wait_for(driver, lambda d: d.find_elements(By.ID, "command-result"))[0].text)


async def test_a_raw_json_command_needs_none_of_the_form_s_required_fields(
    browser: Any, console_url: str, role_keys: dict[str, str], operated: OperatedStation
):
    await step(_login, browser, console_url, role_keys["operator"])
    raw = '{"idToken": {"idToken": "RAW-1", "type": "ISO14443"}, "remoteStartId": 71}'
    answer = await step(
        _send_raw, browser, console_url, operated.id, "RequestStartTransaction", raw
    )
    assert "200" in answer and "Accepted" in answer, answer
    assert ("RequestStartTransaction", {"remoteStartId": 71}) in operated.received
