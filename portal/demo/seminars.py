"""Demo seminars, made through the seminar operations (past ones acting at past times): one held
six weeks ago with its attendance marked, one open for sign-up, one full with a waiting list,
and an online session for anyone with an account whose sign-up opens in a few days.

Needs the demo registrants of the decided cohort (portal/demo/registrations.py) and the
applicants of the open one (portal/demo/applications.py). Idempotent: a seminar whose Japanese
title exists already is left as it is."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.core.deadlines import close_after, start_of
from portal.core.extensions import db
from portal.core.i18n import JST
from portal.seminars import operations
from portal.seminars.models import Seminar, SeminarSignup

PREFECTURAL_OFFICE = "熊本県庁 本館地下大会議室（熊本市中央区水前寺6-18-1）"
PAREA = "くまもと県民交流館パレア 第1会議室（熊本市中央区手取本町8-9 テトリアくまもとビル10階）"
WATER_SOURCE = "熊本市上下水道局 健軍水源地（熊本市東区画図町大字所島）"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=JST)


def _seminars(today: date) -> list[dict]:
    """Each demo seminar: its fields, when its sign-ups were made, and who signed up
    (owner e-mail, attendee names) in that order."""
    held = today - timedelta(days=42)
    return [
        {"fields": {
            "title_ja": "SDGs経営入門 登録事業者フォローアップセミナー（第1回）",
            "title_en": "SDGs management basics: follow-up seminar for registrants (1)",
            "description_ja": "登録事業者の皆さまを対象に、重点的な取組の進め方と指標の測り方を、県内事業者の事例で紹介します。"
                              "\n後半は参加者どうしの意見交換です。",
            "description_en": "How to move your key actions forward and measure them, with cases from Kumamoto "
                              "businesses, followed by an exchange between participants.",
            "starts_at": _at(held, 14), "ends_at": _at(held, 16), "venue": PREFECTURAL_OFFICE, "online_url": None,
            "capacity": 30, "seats_per_organisation": 3, "audience": "registrants",
            "signup_opens_at": start_of(held - timedelta(days=30)),
            "signup_closes_at": close_after(held - timedelta(days=1))},
         "signed_up_at": _at(held - timedelta(days=20), 10), "held": True,
         "signups": [("applicant2@example.jp", ["申請 二郎", "阿蘇 恵"]), ("demo10@example.jp", ["白川 十和"]),
                     ("demo11@example.jp", ["健軍 一", "健軍 ふたば"]), ("demo13@example.jp", ["近見 健"]),
                     ("demo14@example.jp", ["植木 すいか"])],
         "absent": {"健軍 ふたば"}},
        {"fields": {
            "title_ja": "脱炭素経営のはじめ方セミナー",
            "title_en": "Getting started with decarbonisation",
            "description_ja": "電気使用量の見える化から、省エネ設備の補助制度、再生可能エネルギーの調達まで。"
                              "\n会場とオンラインの同時開催です。電気料金の明細を1か月分お持ちください。",
            "description_en": "From measuring your electricity use to subsidies for efficient equipment and "
                              "buying renewable power. In the room and online; bring one month's electricity bill.",
            "starts_at": _at(today + timedelta(days=21), 14), "ends_at": _at(today + timedelta(days=21), 16, 30),
            "venue": PAREA, "online_url": "https://meet.example.jp/kumamoto-sdgs/decarbonisation",
            "capacity": 40, "seats_per_organisation": 3, "audience": "registrants_applicants",
            "signup_opens_at": start_of(today - timedelta(days=7)),
            "signup_closes_at": close_after(today + timedelta(days=20))},
         "signed_up_at": None, "held": False,
         "signups": [("applicant2@example.jp", ["申請 二郎", "阿蘇 恵"]), ("demo15@example.jp", ["菊陽 十五"]),
                     ("demo16@example.jp", ["八代 い草"]), ("demo01@example.jp", ["東 一美", "東 二葉"])],
         "absent": set()},
        {"fields": {
            "title_ja": "SDGs×地下水保全 現地見学会",
            "title_en": "Groundwater conservation: a site visit",
            "description_ja": "熊本の水道水を支える地下水と、その保全の取組を水源地で見学します。"
                              "\n少人数の見学会です。歩きやすい靴でお越しください。",
            "description_en": "A visit to the water source that supplies Kumamoto's tap water, and how the "
                              "groundwater is protected. A small group; wear comfortable shoes.",
            "starts_at": _at(today + timedelta(days=14), 10), "ends_at": _at(today + timedelta(days=14), 12),
            "venue": WATER_SOURCE, "online_url": None, "capacity": 6, "seats_per_organisation": 2,
            "audience": "registrants", "signup_opens_at": start_of(today - timedelta(days=10)),
            "signup_closes_at": close_after(today + timedelta(days=12))},
         "signed_up_at": None, "held": False,
         "signups": [("demo10@example.jp", ["白川 十和", "白川 みず"]), ("demo11@example.jp", ["健軍 一", "健軍 ふたば"]),
                     ("demo12@example.jp", ["春日 小百合", "春日 湊"]), ("demo13@example.jp", ["近見 健"]),
                     ("demo18@example.jp", ["上通 商", "上通 ゆい"])],
         "absent": set()},
        {"fields": {
            "title_ja": "SDGs登録制度 オンライン説明会",
            "title_en": "The SDGs registration system: online briefing",
            "description_ja": "これから登録を目指す事業者向けに、申請の流れとチェックリストの考え方を説明します。",
            "description_en": "For businesses thinking of applying: the steps of an application and how to read "
                              "the checklist.",
            "starts_at": _at(today + timedelta(days=30), 10), "ends_at": _at(today + timedelta(days=30), 11),
            "venue": None, "online_url": "https://meet.example.jp/kumamoto-sdgs/briefing", "capacity": 100,
            "seats_per_organisation": 2, "audience": "everyone",
            "signup_opens_at": start_of(today + timedelta(days=3)),
            "signup_closes_at": close_after(today + timedelta(days=29))},
         "signed_up_at": None, "held": False, "signups": [], "absent": set()},
    ]


def seed_seminars(today: date) -> None:
    secretariat = accounts.find_by_email("secretariat@example.jp")
    existing = set(db.session.scalars(select(Seminar.title_ja)))
    for plan in _seminars(today):
        fields = plan["fields"]
        if fields["title_ja"] in existing:
            continue
        seminar = operations.create_seminar(fields, secretariat)
        for index, (email, names) in enumerate(plan["signups"]):
            user = accounts.find_by_email(email)
            if user is None or user.membership is None:
                continue
            at = plan["signed_up_at"] + timedelta(minutes=7 * index) if plan["signed_up_at"] else None
            operations.sign_up(seminar, user, len(names), names, now=at)
        if plan["held"]:
            attendees = [a for s in db.session.scalars(select(SeminarSignup).where(
                SeminarSignup.seminar_id == seminar.id)) for a in s.attendees]
            present = {a.id for a in attendees if a.name not in plan["absent"]}
            operations.mark_attendance(seminar, present, secretariat, now=fields["starts_at"] + timedelta(hours=2))
