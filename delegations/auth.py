"""Login, logout, throttling, and the role checks every route goes through.

Every endpoint requires a logged-in user unless its view is marked ``@public``; views
then narrow access with ``@roles_required`` and the object-level checks on ``User``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import cache, wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from . import throttle
from .db import db, utcnow
from .models import LoginAttempt, Role, User

F = TypeVar("F", bound=Callable[..., Any])

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
csrf = CSRFProtect()

bp = Blueprint("auth", __name__)


def public(view: F) -> F:
    """Mark a view as reachable without logging in (login page, token feeds)."""
    view._public = True  # type: ignore[attr-defined]
    return view


def roles_required(*roles: Role) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped._roles = frozenset(roles)  # type: ignore[attr-defined]  # read by the route walk
        return wrapped  # type: ignore[return-value]

    return decorator


def manager_required(view: F) -> F:
    """Coordinators and admins only."""
    return roles_required(Role.ADMIN, Role.COORDINATOR)(view)


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def create_user(
    email: str,
    password: str,
    role: Role,
    *,
    delegation_id: int | None = None,
    delegate_id: int | None = None,
) -> User:
    """Create a user (flushes, does not commit). Raises ValueError on bad input."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError(f"{email!r} is not an e-mail address")
    if len(password) < 8:
        raise ValueError("the password must have at least 8 characters")
    if role == Role.FOCAL_POINT and delegation_id is None:
        raise ValueError("a focal point needs a delegation (--delegation NAME)")
    if role == Role.DELEGATE and delegate_id is None:
        raise ValueError("a delegate user needs a delegate record (--delegate EMAIL)")
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise ValueError(f"a user with e-mail {email} exists already")
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=role,
        delegation_id=delegation_id,
        delegate_id=delegate_id,
    )
    db.session.add(user)
    db.session.flush()
    return user


def recent_failures(email: str) -> int:
    """Failed logins for an account in the window, from any address (for the record: the
    throttle itself counts per account and address, see ``throttle``)."""
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    return db.session.scalar(
        sa.select(sa.func.count(LoginAttempt.id)).where(
            LoginAttempt.email == email, LoginAttempt.at > utcnow() - window
        )
    ) or 0


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def set_password(user: User, password: str) -> None:
    """Change a password (flushes); every session and remember-me cookie made before, on
    any device, stops working."""
    if len(password) < 8:
        raise ValueError("the password must have at least 8 characters")
    user.password_hash = hash_password(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Log the user out everywhere: the session version is part of every login cookie."""
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()


def authenticate(email: str, password: str, remote_addr: str = "") -> User | None:
    """Check credentials; record a failure (throttling is the login view's, per address).
    An unknown account costs the same hash check as a known one, so the answer's time
    does not tell whether an account exists."""
    email = email.strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password)
    if user is None or not ok:
        db.session.add(LoginAttempt(email=email, remote_addr=remote_addr))
        db.session.flush()
        return None
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.email == email))
    user.last_login_at = utcnow()
    return user


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this device"))


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/login")
@public
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home"))
    return render_template("auth/login.html", form=LoginForm())


def _throttled(which: str) -> Any:
    """The login page again, with what was typed and why it is refused for now."""
    minutes = current_app.config["LOGIN_WINDOW_MINUTES"]
    form = LoginForm()
    form.form_errors.append(
        _("Too many failed attempts for this account from your address. Wait %(minutes)d "
          "minutes and try again, or ask a coordinator to reset your password.",
          minutes=minutes)
        if which == "account" else
        _("Too many failed attempts from your address. Wait %(minutes)d minutes and try "
          "again.", minutes=minutes))
    return current_app.make_response((render_template("auth/login.html", form=form), 429))


@bp.post("/login")
@public
@throttle.login_limits(_throttled)
def login_post() -> Any:
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400
    user = authenticate(form.email.data or "", form.password.data or "",
                        request.remote_addr or "")
    if user is None:
        db.session.commit()  # keep the recorded failure
        form.form_errors.append(_("Wrong e-mail or password."))
        return render_template("auth/login.html", form=form), 401
    db.session.commit()
    login_user(user, remember=bool(form.remember.data))
    return redirect(_safe_next(request.args.get("next")) or url_for("home"))


@bp.post("/logout")
def logout() -> Any:
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
def logout_everywhere() -> Any:
    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("auth.login"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """``user_id`` is ``User.get_id()``: the id and the session version, so a cookie made
    before a password change or a "log out everywhere" finds nobody."""
    uid, _sep, version = user_id.partition(".")
    if not uid.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(uid))
    if user is None or user.session_version != int(version):
        return None
    return user


def _require_login() -> Any:
    """Before every request: anonymous users go to the login page unless the view is public."""
    if request.endpoint is None or request.endpoint == "static" \
            or request.endpoint.endswith(".static"):  # a package's own static files
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "_public", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role == Role.DESK:
        return _desk_gate(view)
    return None


def _desk_gate(view: Any) -> Any:
    """The badge desk reaches only the views made for it: deny by default, so a page that
    forgets a role check never shows it a roster."""
    desk_home = current_app.config.get("DESK_ENDPOINT")
    if request.endpoint == "home" and desk_home in current_app.view_functions:
        return redirect(url_for(desk_home))
    if request.endpoint == "auth.logout" or Role.DESK in getattr(view, "_roles", ()):
        return None
    abort(403)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)
    throttle.init_app(app)
    app.register_blueprint(bp)
    app.before_request(_require_login)
