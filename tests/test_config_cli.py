"""Configuration order, the generated secret key, and the users commands."""

from __future__ import annotations

import os
import stat

import sqlalchemy as sa

from delegations import create_app
from delegations.db import db
from delegations.models import Role, User


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("FORUM_DESK_INSTANCE", str(tmp_path / "inst"))
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    a = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite'}"})
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    b = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite'}"})
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] and len(a.config["SECRET_KEY"]) >= 64
    assert a.instance_path == str(tmp_path / "inst")


def test_config_order_instance_file_then_env(tmp_path, monkeypatch):
    inst = tmp_path / "inst"
    inst.mkdir()
    (inst / "config.py").write_text("LOGIN_MAX_FAILURES = 7\nLOGIN_WINDOW_MINUTES = 30\n")
    monkeypatch.setenv("FORUM_DESK_INSTANCE", str(inst))
    monkeypatch.setenv("FLASK_LOGIN_WINDOW_MINUTES", "45")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["LOGIN_MAX_FAILURES"] == 7  # instance/config.py over the default
    assert app.config["LOGIN_WINDOW_MINUTES"] == 45  # FLASK_* env over the file
    assert app.config["DATABASE_URL"].endswith("env.sqlite")  # DATABASE_URL selects the db
    assert app.debug is False
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/forum")
    assert create_app({"SECRET_KEY": "x"}).config["DATABASE_URL"] == \
        "postgresql+psycopg://u@db.example/forum"


def test_users_create_with_password_from_stdin_and_list(runner, make_delegation):
    make_delegation(name="Freetown")
    r = runner.invoke(args=["users", "create", "FP@Example.org", "--role", "focal_point",
                            "--delegation", "Freetown"], input="a long enough password\n")
    assert r.exit_code == 0, r.output
    assert "Created focal_point fp@example.org" in r.output
    user = db.session.scalar(sa.select(User).where(User.email == "fp@example.org"))
    assert user.role == Role.FOCAL_POINT and user.delegation.name == "Freetown"
    assert "a long enough password" not in user.password_hash  # hashed, not stored
    r = runner.invoke(args=["users", "list"])
    assert "fp@example.org" in r.output and "delegation: Freetown" in r.output


def test_users_create_refuses_bad_input(runner):
    r = runner.invoke(args=["users", "create", "x@example.org", "--role", "focal_point"],
                      input="a long enough password\n")
    assert r.exit_code != 0
    assert "a focal point needs a delegation" in r.output
    r = runner.invoke(args=["users", "create", "y@example.org", "--role", "coordinator"],
                      input="short\n")
    assert "at least 8 characters" in r.output
    r = runner.invoke(args=["users", "create", "z@example.org", "--role", "focal_point",
                            "--delegation", "Atlantis"], input="a long enough password\n")
    assert "0 delegations are named 'Atlantis'" in r.output
