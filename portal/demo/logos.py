"""Demo logo permits in every state, made through the operations (requests sent and decided on
days in the past where the story needs it)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from portal.accounts import operations as accounts
from portal.core.extensions import db
from portal.core.i18n import JST
from portal.logos import operations
from portal.logos.models import LogoPermit

# (holder's e-mail, what happens, the request's own words)
DEMO_PERMITS = (
    ("applicant2@example.jp", "approved", {
        "activity": "阿蘇の米粉を使った焼き菓子づくりで、地元農家との取引と食品ロスの削減に取り組んでいることを、名刺と"
                    "ウェブサイトで紹介します。", "goals": [2, 12, 17], "media": ["business_cards", "website", "packaging"],
        "media_detail": "贈答用焼き菓子の外箱（販売商品のため別途承認を希望）", "audience": "名刺 1,000枚、ウェブサイト 月3,000閲覧",
        "variants": ["color-horizontal", "mono-horizontal"]}),
    ("applicant@example.jp", "submitted", {
        "activity": "屋上緑化と雨水の地下浸透の取組を、社用車と現場の看板で紹介します。", "goals": [6, 11, 13, 15],
        "media": ["vehicles", "events"], "audience": "社用車 5台、工事現場の看板 10枚",
        "variants": ["color-vertical", "color-mark"]}),
    ("demo01@example.jp", "returned", {
        "activity": "太陽光発電の設置事業の紹介チラシに使います。", "goals": [7, 13], "media": ["leaflets"],
        "audience": "チラシ 3,000部", "variants": ["color-horizontal"]}),
    ("demo02@example.jp", "rejected", {
        "activity": "自社の農産物の販売促進キャンペーンで、商品に貼るシールとして使います。", "goals": [2],
        "media": ["packaging"], "media_detail": "販売する野菜の袋に貼るシール", "variants": ["color-mark"]}),
    ("demo03@example.jp", "expired", {
        "activity": "すいか狩りイベントの会場で、地域の水を守る取組を紹介します。", "goals": [6, 15], "media": ["events"],
        "audience": "来場者 約500人", "variants": ["color-vertical"]}),
    ("demo08@example.jp", "revoked", {
        "activity": "リサイクル事業の紹介ウェブサイトに掲載します。", "goals": [12], "media": ["website"],
        "variants": ["color-horizontal", "color-mark"]}),
    ("demo05@example.jp", "draft", {
        "activity": "天草の海の清掃ツアーの案内に使う予定です。", "goals": [14], "media": ["leaflets", "website"],
        "variants": []}),
)


def _request(user, words: dict, start: date, end: date) -> dict:
    data = operations.prefill(user)
    data.update({"media_detail": None, "audience": None, **words, "starts_on": start, "ends_on": end})
    return data


def seed_logo_permits(today: date) -> None:
    """Logo permits in every state: draft, submitted, returned, approved (ending within the
    renewal window, with a use reported), rejected, expired and revoked. Does nothing when
    any permit exists already."""
    if db.session.scalar(select(func.count()).select_from(LogoPermit)):
        return
    city = accounts.find_by_email("city@example.jp")  # the logo is the city's: its staff decide
    for email, fate, words in DEMO_PERMITS:
        user = accounts.find_by_email(email)
        if user is None:
            continue
        # When the story happened: an ended permit was asked for and decided long ago.
        day = {"expired": today - timedelta(days=400), "revoked": today - timedelta(days=120),
               "approved": today - timedelta(days=320)}.get(fate, today)
        start = day + timedelta(days=7)
        end = {"expired": start + timedelta(days=360), "approved": today + timedelta(days=45)}.get(
            fate, start + timedelta(days=730))
        data = _request(user, words, start, end)
        permit = operations.new_request(user, data)
        operations.save_request(permit, data, user, agreed=fate != "draft")
        if fate == "draft":
            continue
        operations.submit_request(permit, user, today=day, now=datetime(day.year, day.month, day.day, 9, tzinfo=JST))
        if fate == "returned":
            operations.return_request(permit, city, "チラシの案（モックアップ）を添付してください。また、使用する期間を"
                                                           "配布期間に合わせて短くしてください。")
        elif fate == "rejected":
            operations.reject_request(permit, city, "販売する商品への使用は、このロゴの使用許可の対象外です。商品への"
                                                           "使用は、事務局に別途ご相談ください。")
        elif fate in ("approved", "expired", "revoked"):
            conditions = "贈答用焼き菓子の外箱への使用は、別途承認を受けるまで行わないでください。" if fate == "approved" else ""
            # Decided (and the permit issued) two days after the request, before its period starts.
            decided = day + timedelta(days=2)
            operations.approve_permit(permit, city, start, end, permit.variants, conditions, today=decided,
                                      now=datetime(decided.year, decided.month, decided.day, 10, tzinfo=JST))
            if fate == "approved":
                operations.report_use(permit, user, "website", "会社概要のページに掲載しました。",
                                      link="https://aso-megumi.example.jp/sdgs")
            elif fate == "revoked":
                operations.revoke_permit(permit, city, "許可されていない商品パッケージへの使用が確認されたため。",
                                         today=today - timedelta(days=10),
                                         now=datetime.combine(today - timedelta(days=10), datetime.min.time(), JST)
                                         + timedelta(hours=15))
    operations.run_daily(today)  # the expired one ends; the approved one is reminded
