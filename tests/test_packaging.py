"""The wheel: built without a setuptools warning, installed into a new virtual environment
outside the checkout, it migrates a database and serves /login with gunicorn."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

from tests.conftest import ROOT

IGNORE = shutil.ignore_patterns(".git", ".venv", "instance", "build", "*.egg-info", "__pycache__",
                                ".pytest_cache", ".ruff_cache", "test-artifacts", "bench",
                                "node_modules", "*.sqlite")


def build_wheel(tmp: Path) -> Path:
    """Build from a copy of the checkout, turning every warning into an error."""
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=IGNORE)
    dist = tmp / "dist"
    res = subprocess.run(
        [sys.executable, "-W", "error", "-c",
         "import sys, setuptools.build_meta as b; print(b.build_wheel(sys.argv[1]))", str(dist)],
        cwd=src, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "Warning" not in res.stderr, res.stderr[-3000:]
    return dist / res.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_wheel_carries_templates_static_and_migrations(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "templates").rglob("*.html"):
        assert f"delegations/templates/{template.relative_to(ROOT / 'templates')}" in names
    assert "delegations/templates/books/book.css" in names
    assert "delegations/static/app.css" in names
    assert "schedule/demo/imrf-2022.json" in names
    assert any(n.startswith("delegations/migrations/0001_") for n in names)
    assert any(n.startswith("schedule/migrations/s0001_") for n in names)
    assert not any(n.startswith(("tests/", "templates/")) for n in names)


def test_installed_wheel_serves_login_outside_the_checkout(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--quiet", "--no-deps", "--no-index", str(wheel)], check=True, timeout=300)
    # the dependencies come from this environment's site-packages, read as a plain path entry
    # (its .pth files, among them a development install of this checkout, are not run)
    new_site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    (new_site / "zz-shared-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "FORUM_DESK_INSTANCE", "DATABASE_URL")
           and not k.startswith("FLASK_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deployed.sqlite'}"
    where = subprocess.run([str(python), "-c", "import delegations; print(delegations.__file__)"],
                           cwd=work, env=env, check=True, capture_output=True, text=True)
    assert where.stdout.startswith(str(venv)), where.stdout  # the wheel's copy, not the checkout
    subprocess.run([str(python), "-m", "flask", "--app", "delegations.app:create_app",
                    "db", "upgrade"], cwd=work, env=env, check=True, capture_output=True,
                   timeout=300)
    assert (venv / "var" / "forum-desk-instance" / "secret_key").is_file()

    port = free_port()
    server = subprocess.Popen(
        [str(python), "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "delegations.app:create_app()"],
        cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    assert r.status == 200
                    body = r.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()[-3000:]
                time.sleep(0.3)
        assert "Log in" in body and 'name="password"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/app.css", timeout=5) as r:
            assert r.status == 200 and len(r.read()) > 100
    finally:
        server.terminate()
        server.wait(20)
