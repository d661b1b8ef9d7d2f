"""Driving Debian's Chromium with Playwright, with axe-core checking every page it visits."""

import os
import shutil
from pathlib import Path

import pytest

from ci import in_ci

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
AXE = REPO / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERIOUS = ("serious", "critical")
WIDTHS = (360, 1280)  # a phone and a desktop
SHOTS = Path(os.environ["RV_SCREENSHOTS"]) if os.environ.get("RV_SCREENSHOTS") else None
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => %s.includes(v.impact))
    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}""" % list(SERIOUS)


def require(path: Path | str, what: str) -> None:
    """Fail in CI, skip elsewhere, when a tool the browser tests need is missing."""
    if Path(path).exists():
        return
    message = f"{what} is missing at {path}: tests/run installs it"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium for the whole session."""
    require(CHROMIUM if shutil.which(CHROMIUM) else CHROMIUM, "Chromium")
    require(AXE, "axe-core")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Visitor:
    """One person's browser tab, which runs axe on every page it lands on."""

    def __init__(self, browser, base_url: str, width: int = 360):
        self.context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 800})
        self.context.add_init_script(path=str(AXE))
        self.page = self.context.new_page()
        self.checked: list[str] = []

    def goto(self, path: str):
        """Open a page and check it."""
        self.page.goto(path)
        return self.audit()

    def audit(self):
        """Run axe on the current page and fail on serious or critical violations."""
        self.page.wait_for_load_state("load")
        violations = self.page.evaluate(AXE_RUN)
        assert not violations, f"{self.page.url}: {violations}"
        self.checked.append(self.page.url)
        return self.page

    def sign_in(self, email: str, password: str):
        """Sign in through the form."""
        self.goto("/login")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        return self.audit()

    def close(self):
        """Close the tab and its context."""
        self.context.close()


def says(page, *texts: str) -> None:
    """Wait until the page holds each text: a page read straight after a click may still be the one being left."""
    from playwright.sync_api import expect

    for text in texts:
        expect(page.locator("html")).to_contain_text(text, timeout=15_000)  # a loaded machine may take seconds


def shots(visitor: Visitor, name: str) -> None:
    """Check the page with axe at each width, saving a full-page screenshot of each when RV_SCREENSHOTS is set."""
    was = visitor.page.viewport_size["width"]
    for width in WIDTHS:
        visitor.page.set_viewport_size({"width": width, "height": 800})
        visitor.audit()
        if SHOTS is not None:
            SHOTS.mkdir(parents=True, exist_ok=True)
            visitor.page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    visitor.page.set_viewport_size({"width": was, "height": 800})
