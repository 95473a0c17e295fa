"""Every mail in business form, in both languages: the subject names the scheme
(【熊本県SDGs登録制度】, or the city's logo scheme for the logo permits), the first line greets the
organisation and the person (the person alone for an account mail, nobody where the name was
typed by a stranger), one line says who writes, and dates read as 和暦 in Japanese — never ISO.

Each template is rendered as queue_mail renders it, from a context like its operation's."""
import re
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace as NS

import pytest
from flask_babel import force_locale, gettext

ROOT = Path(__file__).resolve().parents[2] / "templates"
TEMPLATES = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("*/mail/*.txt") if not p.name.startswith("_"))

ORGANISATION = "阿蘇テスト株式会社"
PERSON = "熊本 花子"
DAY = date(2026, 12, 21)  # a Monday
MOMENT = datetime(2026, 12, 21, 5, 30, tzinfo=timezone.utc)  # 14時30分 JST
ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{4}/\d{1,2}/\d{1,2}\b")


def _context(template: str) -> dict:
    user = NS(name=PERSON, email="hanako@example.jp", email_verified=True, locale="ja",
              role=NS(title="申請者"), partner=None)
    organisation = NS(name=ORGANISATION)
    cohort = NS(title="第5期", number=5)
    application = NS(organisation=organisation, cohort=cohort, return_message="重点的な取組の指標を具体的に書いてください。",
                     correction_deadline=DAY, rejection_reason="criteria",
                     rejection_reason_text="登録の基準を満たしていません。", rejection_message=None)
    registration = NS(number="KS05-0012", valid_until=DAY, ended_on=DAY, end_reason="虚偽の申請が判明したため。")
    permit = NS(number="KFS-2026-0007", holder_name=ORGANISATION, valid_from=DAY, valid_until=DAY, starts_on=DAY,
                ends_on=DAY, ended_on=DAY, conditions=None, rejection_reason="用途が規程に合いません。",
                revocation_reason="規程違反のため。", return_message="使用目的を詳しく書いてください。")
    seminar = NS(starts_at=MOMENT, ends_at=MOMENT, venue="熊本県庁", online_url=None, cancel_reason="荒天のため。")
    signup = NS(seats=2, state="confirmed")
    period = NS(fiscal_year=2026, title="2026", closes_on=DAY)
    notice = NS(filed_at=MOMENT, handled_at=MOMENT, effective_on=DAY, response="書類が不足しています。")
    return {
        "user": user, "organisation": organisation, "cohort": cohort, "application": application,
        "registration": registration, "permit": permit, "seminar": seminar, "signup": signup, "period": period,
        "notice": notice, "rows": [], "revision": NS(number=1), "previous": NS(title="第4期"),
        "comment": NS(body="添付の書類をご確認ください。"), "claim": NS(response="書類が確認できませんでした。"),
        "claimant": NS(name="申請 二郎", email="jiro@example.jp"), "representative": None,
        "renewal": False, "number": "KS05-0012", "valid_until": DAY, "decided_on": DAY, "months": 6, "left": 3,
        "created": True, "position": 1, "title": "SDGs経営セミナー", "names": [PERSON], "online_url": None,
        "items": [{"name": ORGANISATION, "number": "KS05-0012", "valid_until": DAY, "renewal": False,
                   "link": "http://portal.test/x"}],
        "link": "http://portal.test/link", "pdf_link": "http://portal.test/pdf", "renew_link": "http://portal.test/r",
        "page": "http://portal.test/page", "certificate": "http://portal.test/c", "public_page": "http://portal.test/p",
        "dashboard": "http://portal.test/d", "login_url": "http://portal.test/login",
        "reset_url": "http://portal.test/reset", "inviter_name": "誰か", "inviter_email": "x@example.jp",
        "organisation_name": "どこか", "by_secretariat": False, "new_phone": False,
        "inquiry": NS(reference="Q-000012", office="prefecture"), "answer": "更新の申請は3か月前から受け付けております。",
        "days": 180,
    }


def _render(app, template: str, locale: str, **overrides) -> tuple[str, str]:
    from portal.core.outbox import _render as render

    with app.test_request_context():
        subject, body, _office = render(template, locale, {**_context(template), **overrides})
    return subject, body


def _text(app, locale: str, message: str, **values) -> str:
    """`message` as the portal says it in `locale` (holds for any state of the catalogues)."""
    with app.test_request_context(), force_locale(locale):
        return gettext(message, **values)


def _city(template: str) -> bool:
    return template.startswith("logos/")


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_mail_names_its_scheme_greets_and_says_who_writes(app, template):
    subject, body = _render(app, template, "ja")
    prefix = "[Kumamoto City] %(subject)s" if _city(template) else \
        "[Kumamoto Prefecture SDGs Registration System] %(subject)s"
    assert subject.startswith(_text(app, "ja", prefix, subject="").strip())
    opening = ("This is the Kumamoto City office for the “Kumamoto for SDGs” logo." if _city(template) else
               "This is the secretariat of the Kumamoto Prefecture SDGs Registration System.")
    assert _text(app, "ja", opening) in body.splitlines()[:3]
    first = body.splitlines()[0]
    if template in ("accounts/mail/verify.txt", "organisations/mail/invitation.txt", "inquiries/mail/confirm.txt"):
        assert PERSON not in body  # nobody named: the name (if any) was typed by whoever signed up
    elif template.startswith("accounts/"):
        assert first == _text(app, "ja", "Dear %(name)s,", name=PERSON)  # the person alone
    elif template.startswith("partners/"):
        assert first == _text(app, "ja", "Dear %(name)s,", name=PERSON)
    else:
        assert first == _text(app, "ja", "Dear %(name)s of %(organisation)s,", name=PERSON,
                              organisation=ORGANISATION)
    assert not ISO.search(subject + body), "an ISO date in a Japanese mail"
    # The signature says how to reach the office: no mail sends people to an unnamed 事務局.
    assert "事務局までお問い合わせください" not in body


@pytest.mark.parametrize("template", TEMPLATES)
def test_english_mails_are_english_with_the_same_form(app, template):
    subject, body = _render(app, template, "en")
    assert subject.startswith("[Kumamoto City] " if _city(template) else
                              "[Kumamoto Prefecture SDGs Registration System] ")
    assert ("This is the Kumamoto City office" if _city(template) else
            "This is the secretariat of the Kumamoto Prefecture SDGs Registration System.") in body
    assert "令和" not in subject + body
    assert not ISO.search(subject + body)


DATED = [t for t in TEMPLATES if any(k in t for k in (
    "cohorts/mail/approved", "applications/mail/returned", "logos/mail/approved", "logos/mail/reminder",
    "logos/mail/expired", "logos/mail/revoked", "logos/mail/submitted", "registrations/mail/reminder",
    "registrations/mail/revoked", "registrations/mail/withdrawn", "registrations/mail/change_", "reports/mail/",
    "partners/mail/term_ending", "seminars/mail/confirmed"))]


@pytest.mark.parametrize("template", DATED)
def test_dates_in_japanese_mails_read_as_wareki(app, template):
    subject, body = _render(app, template, "ja")
    assert "令和8年12月21日" in subject + body or "令和8年（2026年）12月21日" in subject + body
    assert "2026年12月21日" not in body.replace("令和8年（2026年）12月21日", "")
    assert not re.search(r"20\d\d年度", subject + body)  # fiscal years in 和暦 too: 令和8年度


def test_the_decision_mail_states_the_number_and_the_term(app):
    _subject, body = _render(app, "cohorts/mail/approved.txt", "ja")
    assert _text(app, "ja", "Registration number: %(number)s", number="KS05-0012") in body
    assert "令和8年（2026年）12月21日（月）" in body
    _subject, english = _render(app, "cohorts/mail/approved.txt", "en", renewal=True)
    assert "Registration number: KS05-0012" in english and "Term of registration: until Dec 21, 2026" in english


def test_a_rejection_states_the_reason_given_and_the_secretariats_words(app):
    application = NS(organisation=NS(name=ORGANISATION), rejection_reason="criteria",
                     rejection_reason_text="The application does not meet the criteria for registration.",
                     rejection_message="Your key actions need an indicator each.", recommendation_reason="INTERNAL")
    _subject, body = _render(app, "cohorts/mail/rejected.txt", "en", application=application)
    assert "Why it was not registered:\nThe application does not meet the criteria for registration.\n" \
           "Your key actions need an indicator each." in body
    assert "INTERNAL" not in body


def test_a_return_mail_gives_the_message_and_the_deadline_in_wareki(app):
    _subject, body = _render(app, "applications/mail/returned.txt", "ja")
    assert "重点的な取組の指標を具体的に書いてください。" in body
    assert "令和8年12月21日（月）" in body
