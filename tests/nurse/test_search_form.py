"""The saved calls' search form: the page's own messages, on the field they are about."""

import re
from html import unescape

import pytest
from flask.testing import FlaskClient

FORM = re.compile(r'<form[^>]*class="search"[^>]*>')


@pytest.mark.parametrize("path", ["/nurse/", "/nurse/encounters"])
def test_the_search_form_leaves_checking_to_the_page(client: FlaskClient, path: str) -> None:
    form = FORM.search(client.get(path).get_data(as_text=True))
    assert form and " novalidate" in form.group(0)


@pytest.mark.parametrize("typed", ["14/03/2025", "2025-3-14", "2025-02-30", "yesterday"])
def test_a_badly_typed_date_gets_a_message_on_the_date_field_naming_it(
        client: FlaskClient, typed: str) -> None:
    response = client.post("/nurse/encounters/search", data={"date": typed})
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    message = "Date of the call: enter the date as year-month-day, for example 2025-03-14."
    # In the summary, linked to the field, and on the field itself, which says it is wrong.
    assert f'<a href="#search-date">{message}</a>' in html
    assert re.search(r'<p class="error-message" id="search-date-error">.*?'
                     + re.escape(message) + "</p>", html)
    field = re.search(r'<input[^>]*id="search-date"[^>]*>', html)
    assert field
    assert 'aria-invalid="true"' in field.group(0)
    assert 'aria-describedby="search-date-hint search-date-error"' in field.group(0)
    assert f'value="{typed}"' in field.group(0)  # kept to correct
    name = re.search(r'<input[^>]*id="search-name"[^>]*>', html)
    assert name and "aria-invalid" not in name.group(0)
