"""A change notice (変更届) accepted in the demo: 菊陽半導体サポート株式会社 (demo15@) moved from
菊陽町 into 熊本市北区 and has a new representative, so its registration page shows two dated
versions of its details and a reissued certificate (再交付). Made through the operations: filed
by the owner with a supporting document, accepted by the secretariat two months ago."""
from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.accounts import operations as accounts
from portal.core.extensions import db
from portal.registrations import operations as registrations
from portal.registrations.models import ChangeNotice, Registration

OWNER = "demo15@example.jp"
NEW_DETAILS = {"representative_title": "代表取締役", "representative_name": "光の森 翔",
               "postal_code": "8618003", "address": "熊本県熊本市北区楠6丁目6-25"}
NOTE = "本店移転及び代表者変更の登記を行いました。履歴事項全部証明書を添付します。"


def seed_change_notice(today: date) -> None:
    """File and accept the demo's change notice once (nothing when the registrant already has one)."""
    owner = accounts.find_by_email(OWNER)
    secretariat = accounts.find_by_email("secretariat@example.jp")
    if owner is None or owner.membership is None or secretariat is None:
        return
    registration = db.session.scalar(select(Registration).where(
        Registration.organisation_id == owner.membership.organisation_id).order_by(Registration.id.desc()).limit(1))
    if registration is None or db.session.scalar(
            select(ChangeNotice.id).where(ChangeNotice.registration_id == registration.id).limit(1)) is not None:
        return
    accepted_on = today - timedelta(days=60)
    organisation = registration.organisation
    values = {field: getattr(organisation, field) for field in (
        "name", "name_kana", "representative_title", "representative_name", "postal_code", "address", "industry")}
    document = FileStorage(io.BytesIO(b"%PDF-1.4\n% demo: rireki jiko zenbu shomeisho\n"), "履歴事項全部証明書.pdf")
    notice = registrations.file_change_notice(registration, owner, {**values, **NEW_DETAILS},
                                              accepted_on - timedelta(days=14), document, NOTE,
                                              today=accepted_on - timedelta(days=3))
    notice.filed_at = notice.filed_at - timedelta(days=63)
    registrations.accept_change_notice(notice, secretariat, "変更届を受理しました。登録証を再交付しましたので、"
                                       "登録ページからダウンロードしてください。", today=accepted_on)
    notice.handled_at = notice.handled_at - timedelta(days=60)
