"""A check page's own address: the posted form sealed, the same page by GET, nothing readable."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from checker.access_log import without_links
from checker.public.sealed import SEALED, seal, unseal
from tests.checker.check_pages import page_of, press, start
from tests.checker.samples import CALM_FORM, make_app

SECRET = "test"
FIELDS = [("pain_score", "7"), ("step", "symptoms-2"), ("bleeding", "ñ, 38,5")]


def _address(page) -> str:
    """The address the page takes for itself (static/history.js)."""
    found = page.html.split('data-address="', 1)
    assert len(found) == 2, "the page has no address of its own"
    return found[1].split('"', 1)[0].replace("&amp;", "&")


def test_a_sealed_form_opens_as_it_was_and_only_with_the_key() -> None:
    value = seal(FIELDS, SECRET, now=1000)
    assert unseal(value, SECRET, now=1000) == FIELDS
    assert unseal(value, "another key", now=1000) is None
    assert "pain_score" not in value and "38" not in value


def test_a_changed_or_old_sealed_form_is_refused() -> None:
    value = seal(FIELDS, SECRET, now=1000)
    changed = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    assert unseal(changed, SECRET, now=1000) is None
    assert unseal(value, SECRET, lifetime=60, now=1060) == FIELDS
    assert unseal(value, SECRET, lifetime=60, now=1061) is None
    assert unseal("not sealed", SECRET) is None and unseal("", SECRET) is None


def test_each_posted_page_gets_an_address_that_gives_the_same_page(client: FlaskClient) -> None:
    page = start(client)
    assert 'data-address="' not in page.html  # the first page's address is already "/"
    pages = []
    while page.step != "review":
        page = press(client, page, {k: v for k, v in CALM_FORM.items()}, action="next")
        pages.append(page)
    pages.append(press(client, page, action="submit"))
    for posted in pages:
        address = _address(posted)
        assert set(parse_qs(urlsplit(address).query)) == {"lang", SEALED}
        again = page_of(client.get(address))
        assert again.status == posted.status
        assert again.html.split("<main", 1)[1] == posted.html.split("<main", 1)[1]


def test_an_address_that_is_not_ours_is_the_first_step(client: FlaskClient) -> None:
    page = page_of(client.get(f"/?{SEALED}=forged"))
    assert page.status == 200 and "Step 1 of" in page.text


def test_a_page_by_its_address_sets_no_cookie_and_asks_no_token() -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    second = press(client, start(client), {"chest_symptoms": "no"}, action="next")
    response = client.get(_address(second))
    assert response.status_code == 422  # the emergency step's other questions unanswered
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_logs_show_a_sealed_form_as_sealed() -> None:
    value = seal(FIELDS, SECRET)
    line = f'10.0.0.1 - "GET /?lang=es&{SEALED}={value} HTTP/1.1" 200'
    assert without_links(line) == f'10.0.0.1 - "GET /?lang=es&{SEALED}=[sealed] HTTP/1.1" 200'
