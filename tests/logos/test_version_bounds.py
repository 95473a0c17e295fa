"""A decision form's hidden version is compared in the database: a forged 24-digit one is the
"changed meanwhile" message, never an OverflowError, and the request is left as it was."""
from __future__ import annotations

import pytest

from support import csrf_token, login

HUGE = "123456789012345678901234"  # 24 digits


@pytest.mark.parametrize("name, fields", [
    ("return", {"message": "住所を確認してください。"}),
    ("reject", {"reason": "取組の内容が確認できません。"}),
])
def test_a_forged_version_is_refused_with_a_message(app, client, holder, city, make_permit, load, name,
                                                   fields):
    permit_id = make_permit(holder)
    login(client, city)
    assert client.get(f"/staff/logos/{permit_id}?lang=en").status_code == 200
    path = f"/staff/logos/{permit_id}"
    data = {f"{name}-csrf_token": csrf_token(client, path), f"{name}-version": HUGE,
            **{f"{name}-{key}": value for key, value in fields.items()}}
    response = client.post(f"{path}/{name}", data=data)
    assert response.status_code == 400
    assert "This request was changed meanwhile." in response.get_data(as_text=True)
    assert load(permit_id).state == "submitted"
