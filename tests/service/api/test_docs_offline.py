"""/docs and /redoc work on a machine without internet access: every asset they name is served by the app itself."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from service.app import STATIC_URL
from tests.service.api.builders import Api

STATIC = Path(__file__).resolve().parents[3] / "service" / "static"
PAGES = ("/docs", "/redoc", "/docs/oauth2-redirect")
CONTENT_TYPES = {".js": ("text/javascript", "application/javascript"), ".css": ("text/css",), ".png": ("image/png",)}
EXTERNAL = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


class _Assets(HTMLParser):
    """The URLs a browser fetches while rendering the page: scripts, style sheets, icons and images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        url = named.get("src") if tag in ("script", "img") else named.get("href") if tag == "link" else None
        if url:
            self.urls.append(url)


def _assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", PAGES)
def test_a_docs_page_names_no_external_host(api: Api, page: str) -> None:
    response = api.client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert EXTERNAL.findall(response.text) == []


@pytest.mark.parametrize("page", ("/docs", "/redoc"))
def test_each_asset_of_a_docs_page_is_served_locally_with_its_type(api: Api, page: str) -> None:
    html = api.client.get(page).text
    urls = _assets(html)
    assert any(url.endswith(".js") for url in urls)
    for url in urls:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", "") and url.startswith(f"{STATIC_URL}/"), url
        served = api.client.get(url)
        assert served.status_code == 200, url
        assert served.headers["content-type"].split(";")[0] in CONTENT_TYPES[Path(parts.path).suffix], url
        assert served.content == (STATIC / parts.path.removeprefix(f"{STATIC_URL}/")).read_bytes()
    spec = api.client.get("/openapi.json")  # the document both pages render
    assert spec.status_code == 200 and spec.json()["info"]["title"]


OWN = STATIC / "console"  # the console's own stylesheet and scripts: ours, not vendored


def test_every_vendored_file_is_recorded_with_its_licence() -> None:
    record = (STATIC / "VENDORED.md").read_text(encoding="utf-8")
    shipped = sorted(p.relative_to(STATIC) for p in STATIC.rglob("*") if p.is_file() and OWN not in p.parents)
    shipped.remove(Path("VENDORED.md"))
    unrecorded = [p for p in shipped if p.name not in record]
    assert shipped and unrecorded == []
    for package in ("swagger-ui", "redoc", "vendor/htmx", "vendor/echarts"):
        assert (STATIC / package / "LICENSE").read_text(encoding="utf-8").strip()
