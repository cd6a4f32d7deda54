"""The interface catalogs, read at start: a fresh clone served as the docs say speaks Spanish."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from checker.i18n import load_catalogs
from checker.settings import ConfigError
from tests.checker.samples import make_app
from tests.checker.test_spanish_pages import SPANISH, assert_spanish

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
SECONDS = 180
# In the clone, as a deployer runs it: the app from that folder, a Spanish browser, three pages.
SERVE = """
import json, sys
import checker
from checker import create_app
app = create_app()
client = app.test_client()
client.environ_base["HTTP_ACCEPT_LANGUAGE"] = sys.argv[1]
first = client.get("/").get_data(as_text=True)
second = client.post("/", data={"step": "emergency", "action": "next"}).get_data(as_text=True)
missing = client.get("/no-such-page").get_data(as_text=True)
print(json.dumps({"module": checker.__file__, "pages": [first, second, missing]}))
"""


def _deployer_env(clone: Path) -> dict[str, str]:
    """What docs/deployment.md sets, and the clone's code ahead of anything installed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "RECOVERY_"))}
    env.update(SECRET_KEY="a-long-random-string-for-this-test", PYTHONPATH=str(clone),
               DATABASE_URL=f"sqlite:///{clone / 'recovery-check.db'}")
    return env


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of the committed HEAD: no compiled catalog in it."""
    target = tmp_path_factory.mktemp("deploy") / "recovery-check"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(target)],
                   check=True, timeout=SECONDS)
    assert not list(target.rglob("*.mo"))
    return target


def test_a_fresh_clone_served_as_the_docs_say_gives_whole_spanish_pages(clone: Path) -> None:
    env = _deployer_env(clone)
    flask = [str(PYTHON), "-m", "flask", "--app", "checker", "db", "upgrade"]
    subprocess.run(flask, cwd=clone, env=env, check=True, timeout=SECONDS, capture_output=True)
    served = subprocess.run([str(PYTHON), "-c", SERVE, SPANISH["Accept-Language"]], cwd=clone,
                            env=env, check=True, timeout=SECONDS, capture_output=True, text=True)
    found = json.loads(served.stdout)
    assert Path(found["module"]).is_relative_to(clone)
    first, second, missing = found["pages"]
    for where, html in (("first step", first), ("second step", second), ("404", missing)):
        assert_spanish(where, html)
    assert "Continuar" in first and "Sí" in first
    assert not list(clone.rglob("*.mo"))  # compiled in memory: nothing written in the code


def _po(folder: Path, translation: str) -> Path:
    """A Spanish catalog in folder with one entry: "Continue" as translation."""
    po = folder / "es" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  f'msgid "Continue"\nmsgstr "{translation}"\n', encoding="utf-8")
    return po


def test_a_compiled_catalog_older_than_its_po_is_not_used(tmp_path: Path) -> None:
    po = _po(tmp_path, "Seguir")
    with po.open("rb") as handle, po.with_suffix(".mo").open("wb") as compiled:
        write_mo(compiled, read_po(handle, locale="es"))
    _po(tmp_path, "Continuar")
    os.utime(po.with_suffix(".mo"), (po.stat().st_mtime - 60,) * 2)
    assert load_catalogs(tmp_path)[("es", "messages")].ugettext("Continue") == "Continuar"
    os.utime(po.with_suffix(".mo"), (po.stat().st_mtime + 60,) * 2)
    assert load_catalogs(tmp_path)[("es", "messages")].ugettext("Continue") == "Seguir"


def test_the_app_refuses_to_start_without_a_languages_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("checker.i18n.catalog_folder", lambda app: tmp_path)
    with pytest.raises(ConfigError, match=r"Español interface catalog .*messages\.po is missing"):
        make_app()


def test_the_catalogs_are_read_once_at_start_not_for_each_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app()
    client = app.test_client()
    monkeypatch.setattr("babel.support.Translations.load", _refuse)
    assert "Continuar" in client.get("/", headers=SPANISH).get_data(as_text=True)
    assert "Continue" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("a catalog was read from disk for a page")
