"""The form that sets one office's contact block."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal.core.forms import PortalForm, PostalCode, nfkc


def _phone(form, field):
    digits = re.sub(r"[-()\s]", "", field.data or "")
    if not re.fullmatch(r"0\d{9,10}", digits):
        raise ValidationError(_l("Enter a phone number of 10 or 11 digits starting with 0 (e.g. 096-333-2111)."))


class ContactBlockForm(PortalForm):
    """問い合わせ先 — what the footer, /verify and the mails' signatures give."""

    office_name = StringField(
        _l("Office name"), validators=[DataRequired(message=_l("Enter the office's name.")), Length(max=200)],
        description=_l("As people should address it: the department, the division and the office."))
    office_name_en = StringField(
        _l("Office name in English"), validators=[Optional(), Length(max=200)],
        description=_l("Shown on English pages and mails; empty: the Japanese name."))
    postal_code = StringField(
        _l("Postal code"), filters=[nfkc],
        validators=[DataRequired(message=_l("Enter the postal code.")), PostalCode()])
    address = StringField(_l("Address"), validators=[DataRequired(message=_l("Enter the address.")), Length(max=300)])
    phone = StringField(_l("Phone"), filters=[nfkc], validators=[DataRequired(message=_l("Enter the phone number.")),
                                                                 Length(max=20), _phone])
    email = EmailField(
        _l("E-mail"), filters=[nfkc],
        validators=[DataRequired(message=_l("Enter the office's e-mail address.")), Length(max=254),
                    Email(message=_l("Enter a valid e-mail address."))],
        description=_l("Mails are sent from a no-reply address; replies go to this one."))
    hours = StringField(
        _l("Opening hours"), validators=[DataRequired(message=_l("Enter the opening hours.")), Length(max=200)],
        description=_l("The days and times the office answers, e.g. weekdays 8:30 to 17:15, closed on national holidays and over the New Year."))
    hours_en = StringField(
        _l("Opening hours in English"), validators=[Optional(), Length(max=200)],
        description=_l("Shown on English pages and mails; empty: the Japanese text."))
