"""Badges end to end: a delegation's badges printed with `flask badges build`, every QR code
read back from the PDF pages with a real decoder (zxing-cpp, after poppler's pdftoppm),
then checked in with `flask badges check-in`: valid -> collected; again -> already
collected; a re-issued badge's old number -> refused; one character changed -> refused.
The PDFs pass ../shared/tools/pdf-check with the names as text."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from delegations import roster
from delegations.accreditation import change_status, status_history
from delegations.db import db
from delegations.models import AccreditationStatus, BadgeType, ChangeLog
from schedule.badges.issue import BadgeError, issue_badge, reissue_badge
from schedule.badges.models import Badge
from schedule.badges.tokens import make_token
from tests.badge_support import approved, decode_qr_codes, open_forum, pdf_pages_png, photo_bytes
from tests.conftest import TOOLS, keep_artifact

S = AccreditationStatus


@pytest.fixture
def delegation(app, make_forum, make_delegation, make_delegate, make_organisation):
    forum = open_forum(make_forum, name="Forum Mondial des Villes — Genève")
    d = make_delegation(forum, name="São Paulo", country="BR")
    org = make_organisation(name="United Cities and Local Governments", acronym="UCLG")
    people = [
        approved(make_delegate, d, BadgeType.PARTY, given_names="Maria Helena",
                 family_name="Conceição", function="Secretary for International Relations",
                 organisation=org),
        approved(make_delegate, d, BadgeType.OBSERVER, given_names="Ngozi",
                 family_name="Okonjo-Adeyemi", function="Adviser"),
        approved(make_delegate, d, BadgeType.PRESS, given_names="Đặng Thị", family_name="Ngọc"),
    ]
    roster.set_photo(people[0], app.config["UPLOAD_FOLDER"], photo_bytes(), None)
    roster.set_photo(people[1], app.config["UPLOAD_FOLDER"], photo_bytes((900, 700), "PNG"),
                     None)
    make_delegate(d, status=S.SUBMITTED, given_names="Not", family_name="Approved")
    make_delegate(d, status=S.APPROVED, given_names="No", family_name="Type")  # no badge type
    db.session.commit()
    return d, people


def pdf_check(pdf: Path, *names: str, min_pages: int) -> str | None:
    tool = TOOLS / "pdf-check"
    if not tool.exists():
        return None
    cmd = [str(tool), str(pdf), "--require-embedded-fonts", "--min-pages", str(min_pages)]
    for n in names:
        cmd += ["--expect-text", n]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "pdf-check: OK" in r.stdout + r.stderr
    return r.stdout


def test_build_decode_and_check_in(app, runner, delegation, tmp_path):
    d, people = delegation
    out = tmp_path / "badges"
    r = runner.invoke(args=["badges", "build", "--delegation", "são paulo", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "3 badge(s) for São Paulo." in r.output
    assert "skipped Not Approved: the accreditation is submitted" in r.output
    assert "skipped No Type: no badge type is set" in r.output
    cards = out / f"{d.forum.short_name}-badges-Sao-Paulo-cards.pdf"
    sheets = out / f"{d.forum.short_name}-badges-Sao-Paulo-sheets-a4.pdf"
    assert cards.exists() and sheets.exists()

    names = [p.full_name for p in people]
    pdf_check(cards, *names, min_pages=3)
    pdf_check(sheets, *names, min_pages=1)
    text = subprocess.run(["pdftotext", str(cards), "-"], capture_output=True, text=True,
                          check=True).stdout
    for name in names:
        assert name in text
    assert "Conceição" in text and "Secretary for International" in text

    badges = {b.accreditation.delegate_id: b for b in db.session.scalars(sa.select(Badge))}
    assert set(badges) == {p.id for p in people}
    expected = {make_token(b.id, b.version) for b in badges.values()}

    card_pages = pdf_pages_png(cards, tmp_path / "png")
    assert len(card_pages) == 3
    decoded = [decode_qr_codes(png) for png in card_pages]
    assert all(len(codes) == 1 for codes in decoded), decoded  # one QR a card, all readable
    tokens = [codes[0] for codes in decoded]
    assert set(tokens) == expected
    sheet_pages = pdf_pages_png(sheets, tmp_path / "png")
    assert len(sheet_pages) == 1
    assert set(decode_qr_codes(sheet_pages[0])) == expected
    keep_artifact(card_pages[0], "badge-card.png")
    keep_artifact(sheet_pages[0], "badge-sheet-a4.png")
    for token in tokens:  # the QR holds the number only: nothing personal
        assert all(part not in token for p in people for part in p.full_name.split())

    # valid -> collected, with history
    first = tokens[0]
    r = runner.invoke(args=["badges", "check-in", first])
    assert r.exit_code == 0, r.output
    assert "VALID: Badge handed over" in r.output
    holder = next(b for b in badges.values() if make_token(b.id, b.version) == first)
    db.session.expire_all()
    acc = holder.accreditation
    assert acc.status == S.BADGE_COLLECTED and acc.badge_collected_at is not None
    assert [h.action for h in status_history(acc)][-1] == "status:badge_collected"
    assert acc.delegate.full_name in r.output

    # again -> already collected
    r = runner.invoke(args=["badges", "check-in", first])
    assert r.exit_code == 1
    assert "REFUSED: Already collected on" in r.output

    # a re-issued badge's old number -> refused; the new one must be collected again
    reissue_badge(acc, None, "lost at the hotel")
    db.session.commit()
    r = runner.invoke(args=["badges", "check-in", first])
    assert r.exit_code == 1 and "REFUSED: Revoked: this badge was replaced" in r.output
    new = make_token(holder.id, holder.version)
    assert new != first and holder.version == 2
    r = runner.invoke(args=["badges", "check-in", new])
    assert r.exit_code == 0 and "VALID" in r.output
    assert db.session.scalar(sa.select(sa.func.count(ChangeLog.id)).where(
        ChangeLog.entity_id == acc.id, ChangeLog.action == "badge:collected")) == 1

    # one character changed -> refused, wherever it is
    second = tokens[1]
    for i, ch in enumerate(second):
        swapped = "7" if ch != "7" else "2"
        if ch == "-" or ch == "B":
            continue
        forged = second[:i] + swapped + second[i + 1:]
        r = runner.invoke(args=["badges", "check-in", forged])
        assert r.exit_code == 1, forged
        assert "REFUSED: Not a valid badge number" in r.output
    # and the untouched second badge still checks in (typed in lower case with spaces)
    r = runner.invoke(args=["badges", "check-in", " " + second.lower() + " "])
    assert r.exit_code == 0 and "VALID" in r.output


def test_only_approved_accreditations_get_a_badge(app, make_forum, make_delegation,
                                                  make_delegate):
    d = make_delegation(open_forum(make_forum))
    for status in (S.DRAFT, S.SUBMITTED, S.REJECTED, S.WITHDRAWN):
        person = make_delegate(d, status=status)
        person.accreditation.badge_type = BadgeType.PARTY
        with pytest.raises(BadgeError, match="only approved accreditations get a badge"):
            issue_badge(person.accreditation, None)
    assert db.session.scalar(sa.select(sa.func.count(Badge.id))) == 0


def test_withdrawal_voids_the_badge_even_after_approval_again(app, make_forum, make_delegation,
                                                              make_delegate, make_user):
    from schedule.badges.checkin import check_in

    coordinator = make_user("coordinator")
    d = make_delegation(open_forum(make_forum))
    person = approved(make_delegate, d)
    acc = person.accreditation
    badge = issue_badge(acc, coordinator)
    token = make_token(badge.id, badge.version)
    change_status(acc, S.WITHDRAWN, coordinator)
    v = check_in(token, d.forum, None)
    assert not v.ok and v.code == "revoked" and "withdrawn" in v.message
    for step in (S.DRAFT, S.SUBMITTED, S.APPROVED):
        change_status(acc, step, coordinator)
    v = check_in(token, d.forum, None)
    assert not v.ok and v.code == "revoked" and "after this badge was issued" in v.message
    again = issue_badge(acc, coordinator)  # a void badge is re-issued
    assert again.id == badge.id and again.version == 2
    assert check_in(make_token(badge.id, 2), d.forum, None).ok
    assert not check_in(token, d.forum, None).ok


def test_rejected_after_issue_is_refused(app, make_forum, make_delegation, make_delegate):
    from schedule.badges.checkin import check_in

    d = make_delegation(open_forum(make_forum))
    person = approved(make_delegate, d)
    badge = issue_badge(person.accreditation, None)
    person.accreditation.status = S.REJECTED  # however it got there
    v = check_in(make_token(badge.id, 1), d.forum, None)
    assert not v.ok and "Revoked: the accreditation is rejected." == v.message
