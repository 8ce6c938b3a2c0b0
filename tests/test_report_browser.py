"""report.html rendered by a real browser: headless Chromium, opened from a file path, offline.

The browser is Debian's ``chromium`` package, never Playwright's own download (which needs
the network): ``.ci/run`` installs it with apt and sets ``CAREMARKET_BROWSER_TEST=required``,
so in CI a missing browser fails these tests instead of skipping them. Elsewhere they skip
when no Chromium is found. ``CAREMARKET_CHROMIUM`` names another Chromium binary.

The page must be self-contained: the browser context is offline and every request that is
not ``file:`` or ``data:`` is aborted and recorded, and the tests check none was made.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from sim.report import REPORT, write_report
from sim.report.sections import DECISION_COLUMNS

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LOCAL_SCHEMES = ("file:", "data:")
#: elements wider than the viewport outside a horizontally scrolling box (for messages)
OVERFLOWING_JS = """() => {
  const width = window.innerWidth;
  return Array.from(document.querySelectorAll('body *'))
    .filter(el => !el.closest('.scroll'))
    .map(el => [el, el.getBoundingClientRect()])
    .filter(([el, box]) => box.right > width + 1)
    .slice(0, 10)
    .map(([el, box]) => `<${el.tagName.toLowerCase()} id="${el.id}" class="${el.className}">`
         + ` right edge ${Math.round(box.right)}px, width ${Math.round(box.width)}px`);
}"""

#: every <img> once decoded (a broken one fails to decode): a short source and whether it loaded
IMAGES_JS = """async () => {
  const images = Array.from(document.images);
  await Promise.all(images.map(i => i.decode().catch(() => null)));
  return images.map(i => ({src: i.src.slice(0, 40), ok: i.complete && i.naturalWidth > 0}));
}"""


def chromium_path() -> str | None:
    """The Chromium binary to drive: ``$CAREMARKET_CHROMIUM``, else Debian's ``chromium``."""
    override = os.environ.get("CAREMARKET_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def launch_args() -> list[str]:
    """Command-line switches: Chromium refuses to run as root inside its sandbox."""
    args = ["--disable-gpu", "--disable-dev-shm-usage"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return args


@dataclass
class Opened:
    """A page of the report and what the guards saw while it loaded."""

    page: object
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def open_offline(browser, url: str, viewport: dict[str, int]) -> Opened:
    """``url`` in a fresh offline context that aborts (and records) non-local requests and
    records console errors and uncaught exceptions."""
    context = browser.new_context(offline=True, viewport=viewport)
    opened = Opened(context.new_page())

    def guard(route) -> None:
        if route.request.url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            opened.blocked.append(route.request.url)
            route.abort()

    def console(message) -> None:
        if message.type == "error":
            opened.errors.append(f"console: {message.text}")

    context.route("**/*", guard)
    opened.page.on("console", console)
    opened.page.on("pageerror", lambda error: opened.errors.append(f"pageerror: {error}"))
    opened.page.goto(url, wait_until="load")
    return opened


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium binary, or skip (fail when ``CAREMARKET_BROWSER_TEST=required``).

    Session-scoped so that pytest settles it before building the (session-scoped) run.
    """
    path = chromium_path()
    if path is None:
        reason = ("no Chromium found (install Debian's `chromium` package or set "
                  "CAREMARKET_CHROMIUM to a Chromium binary)")
        if os.environ.get("CAREMARKET_BROWSER_TEST") == "required":
            pytest.fail(f"CAREMARKET_BROWSER_TEST=required but {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def browser(chromium) -> Iterator[object]:
    """Headless Chromium, launched once for the module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True,
                                              args=launch_args())
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def run_dir(small_run, tmp_path_factory) -> Path:
    """A copy of the shared tiny run with its report written, as ``caremarket run`` does."""
    copy = tmp_path_factory.mktemp("browser") / small_run.name
    shutil.copytree(small_run, copy)
    write_report(copy)
    assert (copy / REPORT).exists()
    return copy


@pytest.fixture(scope="module")
def decision(run_dir) -> pd.DataFrame:
    """The run's non-baseline scenarios, as the decision table shows them."""
    table = pd.read_csv(run_dir / "decision.csv")
    return table[table.scenario != table.baseline]


@pytest.fixture(scope="module")
def desktop(browser, run_dir) -> Iterator[Opened]:
    """The report at a desktop width."""
    opened = open_offline(browser, (run_dir / REPORT).as_uri(), DESKTOP)
    yield opened
    opened.page.context.close()


@pytest.fixture(scope="module")
def phone(browser, run_dir) -> Iterator[Opened]:
    """The report at a phone width."""
    opened = open_offline(browser, (run_dir / REPORT).as_uri(), PHONE)
    yield opened
    opened.page.context.close()


def test_the_guards_catch_network_requests_and_errors(browser, tmp_path):
    """The offline guard and the error listeners do fire, so their silence means something."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<img src="https://example.invalid/x.png">'
                     '<script>console.error("boom")</script>', encoding="utf-8")
    opened = open_offline(browser, leaky.as_uri(), DESKTOP)
    opened.page.context.close()
    assert opened.blocked == ["https://example.invalid/x.png"]
    assert any("boom" in error for error in opened.errors)


def test_the_page_loads_offline_without_errors(desktop):
    assert desktop.blocked == [], "the report asked for something over the network"
    assert desktop.errors == []


def test_the_screenshot_is_not_blank(desktop):
    shot = Image.open(io.BytesIO(desktop.page.screenshot(full_page=True))).convert("RGB")
    pixels = np.asarray(shot)
    inked = (pixels < 235).any(axis=2).mean()
    colours = len(np.unique(pixels.astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1],
                                                                 dtype=np.uint32)))
    assert pixels.shape[0] > DESKTOP["height"], "the full page is no taller than the window"
    assert inked > 0.02, f"only {inked:.1%} of the page is not white"
    assert colours > 50, f"only {colours} distinct colours"


def test_the_summary_names_every_scenario(desktop, decision):
    summary = desktop.page.locator("section#summary")
    assert summary.is_visible()
    words = summary.inner_text()
    assert len(words) > 300
    for label in decision.label:
        assert label in words


def test_the_decision_table_has_a_row_per_scenario(desktop, decision):
    table = desktop.page.locator("section#decision table.decision")
    assert table.is_visible()
    headings = table.locator("thead tr").first.locator("th").all_inner_texts()
    assert table.locator("thead tr").count() == 1
    assert headings == [DECISION_COLUMNS[c][0] for c in DECISION_COLUMNS
                        if c in decision.columns]
    rows = table.locator("tbody tr")
    assert rows.count() == len(decision)
    scenario = headings.index("Scenario")
    shown = [rows.nth(i).locator("td").nth(scenario).inner_text() for i in range(len(decision))]
    assert shown == list(decision.label)


def test_every_image_loaded(desktop):
    page = desktop.page
    images = page.evaluate(IMAGES_JS)
    assert images, "the report has no images"
    assert len(images) == page.locator("figure img").count()
    assert [i["src"] for i in images if not i["ok"]] == []


def test_nothing_overflows_a_phone_screen(phone):
    page = phone.page
    width, inner = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner + 1, (f"page is {width}px wide in a {inner}px window: "
                                f"{page.evaluate(OVERFLOWING_JS)}")


def test_the_report_prints_to_several_a4_pages(desktop):
    pdf = desktop.page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    assert pages > 1
