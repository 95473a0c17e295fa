"""Forms of the partner pages: support records, support menus, institutions and their users,
and the organisation's choice of supporting institutions."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from portal.accounts.forms import LANGUAGE_CHOICES, lower
from portal.applications.forms import CheckboxesField
from portal.core.forms import LocalDateField, PortalForm, nfkc
from portal.core.i18n import today_jst
from portal.partners import operations
from portal.partners.models import InstitutionKind, SupportKind


def _not_in_future(form, field):
    if field.data and field.data > today_jst():
        raise ValidationError(operations.ERRORS["future"])


def _plain_text(form, field):
    if field.data and operations.MARKUP.search(field.data):
        raise ValidationError(operations.ERRORS["markup"])


def _web_address(form, field):
    """http(s) only: a link people click (javascript: and data: addresses are refused)."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", field.data):
        raise ValidationError(_l("Enter an address starting with https://"))


class SupportRecordForm(PortalForm):
    """伴走支援記録 — one act of support."""

    supported_on = LocalDateField(
        _l("Date of the support"),
        validators=[InputRequired(message=_l("Enter the date of the support.")), _not_in_future],
        description=_l("The day the support took place (not in the future), e.g. 2026-04-15."))
    kind = SelectField(_l("Kind of support"), validators=[InputRequired(message=operations.ERRORS["kind"])],
                       choices=[], validate_choice=False)  # validate_kind says what is wrong
    notes = TextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=operations.NOTES_MAX, message=operations.ERRORS["too_long"]),
                                 _plain_text],
        description=_l("What was done and agreed, in plain text (up to 2,000 characters)."), render_kw={"rows": 5})
    shared = BooleanField(_l("The organisation may see this record"),
                          description=_l("Shown on the organisation's page: date, kind and notes."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice("", _l("Choose…"))] + [SelectChoice(k.value, k.title) for k in SupportKind]

    def validate_kind(self, field):
        if field.data not in {k.value for k in SupportKind}:
            raise ValidationError(operations.ERRORS["kind"])


class SupportMenuForm(PortalForm):
    """支援メニュー — a service the institution offers registrants."""

    title_ja = StringField(_l("Title (Japanese)"), validators=[DataRequired(), Length(max=200)], render_kw={"lang": "ja"})
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)],
                           description=_l("Optional: without it, English pages show the Japanese title."),
                           render_kw={"lang": "en"})
    description_ja = TextAreaField(_l("Description (Japanese)"), validators=[DataRequired(), Length(max=4000)],
                                   render_kw={"rows": 5, "lang": "ja"})
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional(), Length(max=4000)],
                                   description=_l("Optional: without it, English pages show the Japanese text."),
                                   render_kw={"rows": 5, "lang": "en"})
    conditions_ja = TextAreaField(_l("Conditions (Japanese)"), validators=[Optional(), Length(max=2000)],
                                  description=_l("Who may use it, e.g. registrants with a business in the prefecture."),
                                  render_kw={"rows": 3, "lang": "ja"})
    conditions_en = TextAreaField(_l("Conditions (English)"), validators=[Optional(), Length(max=2000)],
                                  render_kw={"rows": 3, "lang": "en"})
    free = RadioField(_l("Fee"), choices=[SelectChoice("1", _l("Free of charge")), SelectChoice("0", _l("Charged"))],
                      validators=[InputRequired(message=_l("Say whether the menu is free of charge."))], default="1")
    fee = StringField(_l("Fee or interest"), validators=[Optional(), Length(max=200)],
                      description=_l("When charged, e.g. 1.0% a year or ¥5,000 per session."))
    url = StringField(_l("Web page with details"), filters=[nfkc],
                      validators=[Optional(), Length(max=500), _web_address],
                      render_kw={"inputmode": "url"})
    published = BooleanField(_l("Published: registrants and the public pages show this menu"), default=True)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Across fields (Optional() ends the fee's own checks when it is empty).
        if self.free.data == "0" and not self.fee.data:
            self.fee.errors = [*self.fee.errors, str(_l("Give the fee or interest of a charged menu."))]
            valid = False
        return valid

    def menu_data(self) -> dict:
        return {"title_ja": self.title_ja.data, "title_en": self.title_en.data,
                "description_ja": self.description_ja.data, "description_en": self.description_en.data,
                "conditions_ja": self.conditions_ja.data, "conditions_en": self.conditions_en.data,
                "free": self.free.data == "1", "fee": self.fee.data, "url": self.url.data,
                "published": self.published.data}


class InstitutionForm(PortalForm):
    """A partner institution, as the secretariat keeps it."""

    code = StringField(_l("Code"), filters=[nfkc, lower],
                       validators=[DataRequired(), Length(max=40)],
                       description=_l("Letters, digits and hyphens, e.g. higo-bank; used by commands and "
                                      "never changed."))
    name_ja = StringField(_l("Name (Japanese)"), validators=[DataRequired(), Length(max=200)], render_kw={"lang": "ja"})
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)], render_kw={"lang": "en"})
    kind = SelectField(_l("Kind of institution"), validators=[DataRequired()], choices=[])
    contact_department = StringField(_l("Contact department"), validators=[Optional(), Length(max=200)])
    contact_phone = StringField(_l("Contact phone"), filters=[nfkc], validators=[Optional(), Length(max=30)],
                                render_kw={"inputmode": "tel"})
    contact_email = EmailField(_l("Contact e-mail address"),
                               validators=[Optional(), Length(max=254), Email(message=_l("Enter a valid e-mail address."))])
    website = StringField(_l("Website"), filters=[nfkc], validators=[Optional(), Length(max=300), _web_address],
                          render_kw={"inputmode": "url"})
    logo = FileField(_l("Logo"), description=_l("PNG or JPEG, at most 1 MB."))
    remove_logo = BooleanField(_l("Remove the present logo"))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k.value, k.title) for k in InstitutionKind]
        if editing:
            del self.code  # fixed once created

    def validate_code(self, field):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", field.data or ""):
            raise ValidationError(_l("Use lower-case letters, digits and hyphens only."))

    def institution_data(self) -> dict:
        return {name: (self[name].data or "").strip() or None
                for name in ("contact_department", "contact_phone", "contact_email", "website")} | {
            "name_ja": self.name_ja.data, "name_en": self.name_en.data, "kind": InstitutionKind(self.kind.data)}


class PartnerUserForm(PortalForm):
    """A person of the institution, invited by the secretariat."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail address"), filters=[lower],
                       validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid e-mail address."))])
    locale = RadioField(_l("Language for e-mails"), choices=LANGUAGE_CHOICES, default="ja")


class ConsentForm(PortalForm):
    """The organisation chooses more supporting institutions and consents, from its page."""

    institutions = CheckboxesField(_l("Institutions to add"), coerce=int, choices=[],
                                   validators=[DataRequired(message=_l("Choose at least one institution."))])
    consent = BooleanField(_l("We consent to sharing our application and registration with the institutions "
                              "chosen above. We can withdraw this consent at any time."),
                           validators=[DataRequired(message=_l("Consent is needed to share your information."))])
