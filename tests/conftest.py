"""Test rig: a real database per test (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set), the app, a client, login helpers and factories.

The schema is built once per run by the Alembic migrations (never by create_all), so every
test also exercises them. SQLite: each test gets a copy of the migrated file. PostgreSQL:
the schema is dropped and migrated once, and every table is truncated before each test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

os.environ.setdefault("FORUM_DESK_INSTANCE", tempfile.mkdtemp(prefix="forum-desk-instance-"))

from delegations import create_app  # noqa: E402
from delegations.auth import create_user  # noqa: E402
from delegations.db import Base, alembic, db  # noqa: E402
from delegations.models import (  # noqa: E402
    Accreditation,
    AccreditationStatus,
    Capacity,
    Delegate,
    Delegation,
    Forum,
    Level,
    Organisation,
    OrganisationKind,
    Role,
    Route,
    Series,
)
from schedule.models import (  # noqa: E402
    Room,
    Session,
    SessionKind,
    SessionStatus,
    SpeakerRole,
    SpeakerSlot,
    Venue,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TOOLS = Path(os.environ.get("FORUM_DESK_TOOLS", SHARED / "tools"))
if TOOLS.exists() and not os.access(TOOLS, os.W_OK):
    # the checkers install their readers into tools/.cache; elsewhere when shared/ is read-only
    os.environ.setdefault("CHECK_TOOLS_CACHE",
                          str(Path.home() / ".cache" / "forum-desk-check-tools"))


def worker_database_url(url: str | None) -> str | None:
    """Under pytest-xdist each worker wipes and migrates its own PostgreSQL database: the
    given one's name plus the worker's id (``test_gw0``), created when missing."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    given = sa.engine.make_url(url)
    name = f"{given.database}_{worker}"
    engine = sa.create_engine(given.set(drivername="postgresql+psycopg"),
                              isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                       {"n": name}) is None:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


def require_tool(name: str) -> Path:
    """A shared checker (ical-check, pdf-check, forum_gen.py): a test that needs one fails,
    never skips, when it is missing, so a CI without the tools cannot pass by accident."""
    path = TOOLS / name if "/" not in name else SHARED / name
    if not path.exists():
        pytest.fail(f"{path} is missing: check out the shared tools beside this repository "
                    "(or set FORUM_DESK_TOOLS to their folder)", pytrace=False)
    return path


TEST_DATABASE_URL = worker_database_url(os.environ.get("TEST_DATABASE_URL"))
PASSWORD = "correct horse battery"


def base_config(url: str, tmp: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": url,
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "BOOKS_FOLDER": str(tmp / "books"),
    }


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate an empty database once per run; return its URL (PostgreSQL) or file path."""
    tmp = tmp_path_factory.mktemp("template")
    if TEST_DATABASE_URL:
        app = create_app(base_config(TEST_DATABASE_URL, tmp))
        with app.app_context():
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
            alembic.upgrade()
            db.engine.dispose()
        return TEST_DATABASE_URL
    path = tmp / "template.sqlite"
    app = create_app(base_config(f"sqlite:///{path}", tmp))
    with app.app_context():
        alembic.upgrade()
        db.engine.dispose()
    return str(path)


def fresh_database_url(template: str, tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        engine = sa.create_engine(
            TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        engine.dispose()
        return TEST_DATABASE_URL
    target = tmp_path / "forum-desk.sqlite"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(database_template: str, tmp_path: Path) -> Iterator[Any]:
    url = fresh_database_url(database_template, tmp_path)
    app = create_app(base_config(url, tmp_path))
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.rollback()
    db.session.close()
    ctx.pop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client: Any) -> None:
        self._client = client

    def login(self, email: str, password: str = PASSWORD) -> Any:
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: Any) -> AuthActions:
    return AuthActions(client)


# --------------------------------------------------------------------------- factories


@pytest.fixture
def make_forum(app: Any) -> Callable[..., Forum]:
    counter = iter(range(1, 10_000))

    def make(**kw: Any) -> Forum:
        n = next(counter)
        values: dict[str, Any] = {
            "name": f"Test Forum {n}",
            "short_name": f"TF{n}",
            "series": Series.IMRF,
            "timezone": "America/New_York",
            "start_date": date(2022, 5, 16),
            "end_date": date(2022, 5, 20),
            "host_city": "New York",
        }
        values.update(kw)
        forum = Forum(**values)
        db.session.add(forum)
        db.session.flush()
        return forum

    return make


@pytest.fixture
def make_organisation(app: Any) -> Callable[..., Organisation]:
    counter = iter(range(1, 10_000))

    def make(**kw: Any) -> Organisation:
        values: dict[str, Any] = {"name": f"Organisation {next(counter)}",
                                  "kind": OrganisationKind.PARTNER}
        values.update(kw)
        org = Organisation(**values)
        db.session.add(org)
        db.session.flush()
        return org

    return make


@pytest.fixture
def make_delegation(app: Any, make_forum: Callable[..., Forum]) -> Callable[..., Delegation]:
    counter = iter(range(1, 10_000))

    def make(forum: Forum | None = None, **kw: Any) -> Delegation:
        values: dict[str, Any] = {"name": f"City {next(counter)}", "country": "SL",
                                  "region": "Africa"}
        values.update(kw)
        d = Delegation(forum=forum or make_forum(), **values)
        db.session.add(d)
        db.session.flush()
        return d

    return make


@pytest.fixture
def make_delegate(
    app: Any, make_delegation: Callable[..., Delegation]
) -> Callable[..., Delegate]:
    counter = iter(range(1, 100_000))

    def make(
        delegation: Delegation | None = None,
        *,
        route: Route | None = Route.PARTNER_ORGANISATION,
        status: AccreditationStatus = AccreditationStatus.APPROVED,
        sponsor: Organisation | None = None,
        **kw: Any,
    ) -> Delegate:
        n = next(counter)
        delegation = delegation or make_delegation()
        values: dict[str, Any] = {
            "given_names": f"Given{n}",
            "family_name": f"Family{n}",
            "email": f"person{n}@example.org",
            "level": Level.MAYOR,
            "capacity": Capacity.HEAD,
        }
        values.update(kw)
        person = Delegate(delegation=delegation, **values)
        db.session.add(person)
        if route is not None:
            person.accreditations.append(Accreditation(
                forum_id=delegation.forum_id, route=route, status=status, sponsor=sponsor))
        db.session.flush()
        return person

    return make


@pytest.fixture
def make_user(app: Any) -> Callable[..., Any]:
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.COORDINATOR, *, email: str | None = None,
             delegation: Delegation | None = None, delegate: Delegate | None = None,
             password: str = PASSWORD) -> Any:
        role = Role(role)
        user = create_user(
            email or f"{role.value}{next(counter)}@example.org",
            password,
            role,
            delegation_id=delegation.id if delegation else None,
            delegate_id=delegate.id if delegate else None,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_venue(app: Any, make_forum: Callable[..., Forum]) -> Callable[..., Venue]:
    counter = iter(range(1, 10_000))

    def make(forum: Forum | None = None, rooms: int = 1, **kw: Any) -> Venue:
        n = next(counter)
        values: dict[str, Any] = {"name": f"Venue {n}", "address": f"{n} Main Street"}
        values.update(kw)
        venue = Venue(forum=forum or make_forum(), **values)
        for i in range(rooms):
            venue.rooms.append(Room(name=f"Room {n}.{i + 1}", capacity=100))
        db.session.add(venue)
        db.session.flush()
        return venue

    return make


@pytest.fixture
def make_session(app: Any, make_forum: Callable[..., Forum]) -> Callable[..., Session]:
    counter = iter(range(1, 100_000))

    def make(forum: Forum | None = None, *, start: datetime | None = None,
             end: datetime | None = None, speakers: list[Delegate] | None = None,
             **kw: Any) -> Session:
        n = next(counter)
        start = start or datetime(2022, 5, 17, 14, 0, tzinfo=UTC)
        end = end or start.replace(hour=start.hour + 1)
        values: dict[str, Any] = {
            "title": f"Session {n}",
            "kind": SessionKind.SIDE_EVENT,
            "status": SessionStatus.CONFIRMED,
        }
        values.update(kw)
        s = Session(forum=forum or make_forum(), starts_at=start, ends_at=end, **values)
        for i, person in enumerate(speakers or []):
            s.speaker_slots.append(SpeakerSlot(delegate=person, role=SpeakerRole.SPEAKER,
                                               order=i + 1, minutes=5))
        db.session.add(s)
        db.session.flush()
        return s

    return make


@pytest.fixture
def demo_forum(app: Any) -> Forum:
    """The IMRF 2022 demo forum, loaded as `flask forum demo` loads it."""
    from schedule.cli import demo_logins, load_demo

    forum, _ = load_demo()
    demo_logins(forum, PASSWORD)
    db.session.commit()
    return forum


# --------------------------------------------------------------------------- browser


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """Serve the test app (CSRF on, as in production) from a thread; yield its base URL."""
    import threading

    from werkzeug.serving import make_server

    app.config["WTF_CSRF_ENABLED"] = True
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Any]:
    """A Playwright page in Debian's Chromium (headless)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make setup-test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def keep_screenshot(page: Any, tmp_path: Path, name: str) -> Path:
    """Save a full-page screenshot under the test's tmp dir (and test-artifacts/ if set)."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    artifacts = os.environ.get("FORUM_DESK_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(artifacts) / path.name)
    return path


def keep_artifact(path: Path, name: str | None = None) -> None:
    """Copy a file a test made (a PDF page, a screenshot) to $FORUM_DESK_ARTIFACTS, if set."""
    artifacts = os.environ.get("FORUM_DESK_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(artifacts) / (name or path.name))
