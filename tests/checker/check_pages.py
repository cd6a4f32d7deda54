"""Going through the patient's check as a browser would: read a page's form, answer, post it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict


@dataclass
class Page:
    """One page of the check as served: its status, HTML and form."""

    status: int
    html: str
    hidden: list[tuple[str, str]] = field(default_factory=list)
    visible: set[str] = field(default_factory=set)  # names of the inputs the patient sees
    checked: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    action: str = "/"

    @property
    def title(self) -> str:
        """The page's title, without the site's name."""
        found = re.search(r"<title>(.*?) – Recovery Check</title>", self.html, re.S)
        return unescape(found.group(1)) if found else ""

    @property
    def step(self) -> str:
        """The id of the step the page shows ("review", "result" for those pages)."""
        return dict(self.hidden).get("step", "")

    @property
    def text(self) -> str:
        """The page's words, tags removed and spaces squeezed."""
        return " ".join(unescape(re.sub(r"<[^>]+>", " ", self.html)).split())

    def errors(self) -> list[str]:
        """The messages shown beside fields."""
        return [unescape(m) for m in re.findall(
            r'class="error-message"[^>]*><span class="visually-hidden">[^<]*</span> ([^<]*)</p>',
            self.html)]

    def carried(self) -> dict[str, str]:
        """Every answer the page carries, seen or unseen, as it would post them."""
        answers = {k: v for k, v in self.hidden if k not in ("step", "lang", "return_to")}
        return {**answers, **self.checked, **self.typed}


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hidden: list[tuple[str, str]] = []
        self.visible: set[str] = set()
        self.checked: dict[str, str] = {}
        self.typed: dict[str, str] = {}
        self.action = "/"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == "check":
            self.action = unescape(a.get("action", "/"))
        if tag != "input":
            return
        name, kind = a.get("name", ""), a.get("type", "text")
        if not name:
            return
        if kind == "hidden":
            self.hidden.append((name, a.get("value", "")))
            return
        self.visible.add(name)
        if kind in ("radio", "checkbox") and "checked" in a:
            self.checked[name] = a.get("value", "")
        elif kind == "text" and a.get("value"):
            self.typed[name] = a["value"]


def page_of(response: Any) -> Page:
    """Read a response as a page of the check."""
    html = response.get_data(as_text=True)
    reader = _FormReader()
    reader.feed(html)
    return Page(response.status_code, html, reader.hidden, reader.visible, reader.checked,
                reader.typed, reader.action)


def press(client: FlaskClient, page: Page, answers: dict[str, str] | None = None,
          **buttons: str) -> Page:
    """Answer the page's visible questions from answers, press a button, read the next page."""
    answers = answers or {}
    data: MultiDict[str, str] = MultiDict(page.hidden)
    for name, value in {**page.checked, **page.typed}.items():
        data[name] = value
    for name in page.visible:
        if name in answers:
            data[name] = answers[name]
    for name, value in buttons.items():
        data[name] = value
    return page_of(client.post(page.action, data=data))


def start(client: FlaskClient, path: str = "/") -> Page:
    """The check's first page."""
    return page_of(client.get(path))


def walk(client: FlaskClient, answers: dict[str, str], path: str = "/",
         limit: int = 20) -> tuple[Page, list[Page]]:
    """Answer step after step with Continue until a page is not a step; every page seen."""
    page = start(client, path)
    seen = [page]
    while page.step not in ("review", "result") and len(seen) < limit:
        page = press(client, page, answers, action="next")
        seen.append(page)
        if page.status != 200:
            break
    return page, seen
