"""axe-core in the browser journeys: every page state a journey reaches is checked at a desktop
and a phone size, and a serious or critical violation fails the test that reached it.

axe-core comes bundled in `axe-playwright-python` (no CDN) and is injected with Playwright's
`evaluate`, which the page's Content-Security-Policy does not govern: the journeys keep the
production policy and keep watching it. Every result is also written to
test-artifacts/browser/axe.jsonl, one line per page state and size, for the figures.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

SIZES = {"1280": {"width": 1280, "height": 800}, "390": {"width": 390, "height": 844}}
BLOCKING = ("serious", "critical")


@cache
def _axe():
    # Imported when first used: without it the browser tests skip, saying why (conftest.py).
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@dataclass(frozen=True)
class Finding:
    test: str
    state: str
    size: str
    url: str
    rule: str
    impact: str
    targets: list[str]

    def __str__(self) -> str:
        return f"{self.state} @ {self.size}px: {self.rule} ({self.impact}) on {self.targets[:3]}"


def audit(page, *, test: str, state: str, report: Path, shot_to: Path | None = None) -> list:
    """Run axe on the page at each size (restoring the viewport), return the serious and
    critical findings, and log every size's count. `shot_to` also saves a phone screenshot."""
    original = page.viewport_size
    findings: list[Finding] = []
    report.parent.mkdir(parents=True, exist_ok=True)
    try:
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            if size == "390" and shot_to is not None:
                page.screenshot(path=shot_to)
            results = _axe().run(page).response
            found = [
                Finding(test, state, size, page.url, v["id"], v["impact"], _targets(v))
                for v in results["violations"]
                if v["impact"] in BLOCKING
            ]
            findings += found
            with report.open("a") as log:
                line = {"test": test, "state": state, "size": size, "url": page.url}
                line["blocking"] = [asdict(f) | {"targets": f.targets[:5]} for f in found]
                log.write(json.dumps(line) + "\n")
    finally:
        page.set_viewport_size(original)
    return findings


def _targets(violation: dict) -> list[str]:
    return [" ".join(map(str, node["target"])) for node in violation["nodes"]]
