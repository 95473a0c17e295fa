"""seed-demo: partner@ (肥後銀行) and partner2@ (熊本銀行) each support their own registrants,
with support records and menus; neither sees the other's."""
from __future__ import annotations

import re

from partner_support import client_for, csv_rows
from portal.accounts.models import User
from portal.core.extensions import db


def test_the_demo_partners_support_distinct_registrants(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        ids = {email: db.session.scalar(db.select(User.id).where(User.email == email))
               for email in ("partner@example.jp", "partner2@example.jp", "applicant2@example.jp")}
    seen = {}
    for email in ("partner@example.jp", "partner2@example.jp"):
        client = client_for(app, ids[email])
        client.get("/?lang=en")
        rows = csv_rows(client.get("/partner/export.csv"))
        header = rows[0]
        seen[email] = {row[0]: dict(zip(header, row)) for row in rows[1:]}
        registered = [r for r in seen[email].values() if r["Registration number"]]
        assert registered, email
        assert any(int(r["Support records"]) > 0 for r in registered), email
        assert re.search(r'<tr id="menu-\d+"', client.get("/partner/menus").get_data(as_text=True)), email
    assert "阿蘇めぐみ食品有限会社" in seen["partner@example.jp"]
    assert "玉名ティーファーム株式会社" in seen["partner2@example.jp"]
    assert not set(seen["partner@example.jp"]) & set(seen["partner2@example.jp"])
    # applicant2@ sees the records 肥後銀行 shared with it.
    owner = client_for(app, ids["applicant2@example.jp"])
    page = owner.get("/organisation", follow_redirects=True).get_data(as_text=True)
    assert "太陽光発電設備の導入資金" in page and "県内の食品卸2社を紹介予定" not in page
    # The landing page lists the menus.
    assert "SDGs推進融資" in client_for(app, None).get("/").get_data(as_text=True)
