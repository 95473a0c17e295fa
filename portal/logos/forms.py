"""Forms of the logo-permit pages: the request (saved as a draft with whatever is filled in,
checked in full when it is sent), a use report, and the secretariat's decisions."""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectChoice, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, URL, ValidationError

from portal.applications.forms import CheckboxesField
from portal.core.forms import INTEGER_MAX, PortalForm, PostalCode, RequiredToSubmit, nfkc
from portal.core.reference.sdgs import GOALS
from portal.logos import variants as catalogue
from portal.logos.operations import ERRORS, error_text, LogoError
from portal.logos.rules import MEDIA, MEDIA_NEEDING_DETAIL, HolderKind, latest_end, period_problem

FILE_LABEL = _l("PDF, PNG or JPEG, up to 10 MB")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


class DayField(DateField):
    """A date from a date picker (2026-04-01) or typed as people here type it (2026/4/1,
    2026年4月1日, full-width digits); anything else gets a message with an example."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        match = _DATE.fullmatch(unicodedata.normalize("NFKC", valuelist[0]).strip())
        try:
            self.data = date(*(int(part) for part in match.groups())) if match else None
        except ValueError:
            self.data = None
        if self.data is None:
            raise ValueError(str(_l("Enter a date such as 2026-04-01.")))

    def pre_validate(self, form):
        if self.process_errors:
            from wtforms.validators import StopValidation

            raise StopValidation()


def version_field():
    """The request's version as the page showed it (hidden; the operations compare it in the
    database, so it must fit an INTEGER column — a forged 24-digit one is simply stale)."""
    return IntegerField(widget=HiddenField.widget,
                        validators=[Optional(), NumberRange(min=1, max=INTEGER_MAX, message=ERRORS["changed"])])


def _goal_choices():
    return [SelectChoice(goal.number, str(goal.number)) for goal in GOALS]


class RequestForm(PortalForm):
    """使用申請 — who uses the logo, for what, where, which variants and for how long.

    A draft is saved with whatever is filled in (formats are checked); `complete()` checks what
    sending needs, so a half-filled form on a phone is never lost."""

    holder_kind = RadioField(_l("Kind of user"), validators=[RequiredToSubmit(), Optional()],
                             choices=[SelectChoice(kind.value, kind.lazy_title) for kind in HolderKind])
    holder_name = StringField(_l("Name of the corporation, group or person"),
                              validators=[RequiredToSubmit(), Length(max=200)],
                              render_kw={"autocomplete": "organization"})
    representative = StringField(_l("Representative (title and name)"), validators=[Length(max=200)],
                                 description=_l("For a corporation or a group: the title and name of its representative. "
                                                "Not needed for an individual."))
    postal_code = StringField(_l("Postal code"), filters=[nfkc], validators=[Optional(), PostalCode()],
                              description=_l("7 digits, e.g. 860-8601."),
                              render_kw={"inputmode": "numeric", "autocomplete": "postal-code"})
    address = StringField(_l("Address"), validators=[RequiredToSubmit(), Length(max=300)],
                          render_kw={"autocomplete": "street-address"})
    contact_name = StringField(_l("Contact person"), validators=[RequiredToSubmit(), Length(max=100)],
                               render_kw={"autocomplete": "name"})
    contact_phone = StringField(_l("Telephone"), filters=[nfkc], validators=[RequiredToSubmit(), Length(max=30)],
                                render_kw={"autocomplete": "tel", "inputmode": "tel"})

    activity = TextAreaField(_l("The activity in which the logo will be used"),
                             validators=[RequiredToSubmit(), Length(max=2000)],
                             description=_l("What you do for the SDGs and how the logo shows it, e.g. “Our "
                                            "business cards show that we reduce plastic waste at our shops.”"),
                             render_kw={"rows": 5})
    goals = CheckboxesField(_l("Related goals"), coerce=int, choices=_goal_choices(),
                            validators=[RequiredToSubmit()])
    media = CheckboxesField(_l("Where the logo will appear"), validators=[RequiredToSubmit()],
                            choices=[SelectChoice(key, title) for key, title in MEDIA.items()],
                            description=_l("Choose every medium that applies."))
    media_detail = TextAreaField(_l("Details of the media"), validators=[Length(max=1000)],
                                 description=_l("Needed for “Other” (say what it is) and for product packaging (name "
                                                "the products). Goods for sale need a separate approval."),
                                 render_kw={"rows": 3})
    audience = StringField(_l("Expected audience or quantity"), validators=[Length(max=300)],
                           description=_l("e.g. 500 business cards; about 1,000 visitors a month."))
    variants = CheckboxesField(_l("Design variants"), validators=[RequiredToSubmit()],
                               choices=[SelectChoice(v.code, v.title) for v in catalogue.VARIANTS],
                               description=_l("Choose every variant you need. You receive SVG and PNG files of "
                                              "the variants permitted."))
    starts_on = DayField(_l("First day of use"), validators=[RequiredToSubmit(), Optional()])
    ends_on = DayField(_l("Last day of use"), validators=[RequiredToSubmit(), Optional()],
                       description=_l("At most three years after the first day."))
    mockup = FileField(_l("Mock-up"),
                       description=_l("A draft of the business card, page or leaflet with the logo: PDF, PNG or "
                                      "JPEG, up to 10 MB."))
    remove_mockup = BooleanField(_l("Remove the mock-up sent earlier"))
    agree = BooleanField(_l("I have read the rules for using the logo above and agree to follow them."),
                         validators=[RequiredToSubmit()])
    version = version_field()

    def validate_ends_on(self, field):
        start, end = self.starts_on.data, field.data
        if start is None or end is None:
            return
        code = period_problem(start, end)
        if code == "end_before_start":
            raise ValidationError(ERRORS["end_before_start"])
        if code == "period_too_long":
            raise ValidationError(error_text(LogoError(code, start=start, latest=latest_end(start))))

    def complete(self, today: date) -> bool:
        """Check what sending needs (after `validate`); errors go on the fields."""
        ok = True

        def refuse(field, message):
            nonlocal ok
            if not field.errors:
                field.errors = [*field.errors, str(message)]
            ok = False

        required = _l("This is needed to send the request.")
        for field in (self.holder_kind, self.holder_name, self.address, self.contact_name, self.contact_phone,
                      self.activity):
            if not field.data:
                refuse(field, required)
        if self.holder_kind.data and self.holder_kind.data != HolderKind.INDIVIDUAL and not self.representative.data:
            refuse(self.representative, _l("Give the representative of the corporation or group."))
        if not self.goals.data:
            refuse(self.goals, _l("Choose at least one goal."))
        if not self.media.data:
            refuse(self.media, _l("Choose at least one medium."))
        elif MEDIA_NEEDING_DETAIL & set(self.media.data) and not self.media_detail.data:
            refuse(self.media_detail, _l("Say what “Other” is, or which products the packaging is for."))
        if not self.variants.data:
            refuse(self.variants, ERRORS["no_variant"])
        if self.starts_on.data is None and not self.starts_on.errors:
            refuse(self.starts_on, required)
        if self.ends_on.data is None and not self.ends_on.errors:
            refuse(self.ends_on, required)
        if self.starts_on.data and self.starts_on.data < today:
            refuse(self.starts_on, ERRORS["starts_in_past"])
        if self.ends_on.errors:
            ok = False
        if not self.agree.data:
            refuse(self.agree, _l("Tick this box to agree to the rules; the request cannot be sent without it."))
        return ok

    def request_data(self) -> dict:
        """The fields as `operations.save_request` takes them."""
        return {"holder_kind": self.holder_kind.data or None, "holder_name": self.holder_name.data,
                "representative": self.representative.data, "postal_code": _digits(self.postal_code.data),
                "address": self.address.data, "contact_name": self.contact_name.data,
                "contact_phone": self.contact_phone.data, "activity": self.activity.data,
                "goals": self.goals.data or [], "media": self.media.data or [], "media_detail": self.media_detail.data,
                "audience": self.audience.data, "variants": self.variants.data or [],
                "starts_on": self.starts_on.data, "ends_on": self.ends_on.data}

    @classmethod
    def of(cls, values: dict, **kwargs) -> RequestForm:
        """A form showing stored `values` (a permit's fields or a prefill)."""
        data = dict(values)
        if data.get("holder_kind") is not None:
            data["holder_kind"] = str(data["holder_kind"])
        if data.get("postal_code") and len(data["postal_code"]) == 7:
            data["postal_code"] = f"{data['postal_code'][:3]}-{data['postal_code'][3:]}"
        return cls(formdata=None, data=data, **kwargs)


def _digits(postal_code: str | None) -> str | None:
    if not postal_code:
        return None
    from portal.core.japanese import normalize_postal_code

    return normalize_postal_code(postal_code)


class UseReportForm(PortalForm):
    """使用報告 — a photo or a link showing the logo in use."""

    medium = SelectField(_l("Medium"), choices=[SelectChoice(key, title) for key, title in MEDIA.items()],
                         validators=[DataRequired()])
    link = StringField(_l("Link (web page or social media post)"), filters=[nfkc],
                       validators=[Optional(), URL(message=_l("Enter a full address starting with https://")),
                                   Length(max=500)], render_kw={"inputmode": "url"})
    photo = FileField(_l("Photo or scan"), description=FILE_LABEL)
    description = TextAreaField(_l("A word about it"), validators=[Optional(), Length(max=1000)],
                                render_kw={"rows": 3})

    def validate_link(self, field):
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(ERRORS["bad_link"])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.link.data and not self.photo.data:
            self.link.errors = [*self.link.errors, str(ERRORS["link_or_photo"])]
            valid = False
        return valid


# --- the secretariat -----------------------------------------------------------------------------

class ApproveForm(PortalForm):
    valid_from = DayField(_l("Permitted from"), validators=[DataRequired(message=_l("Enter the first day."))])
    valid_until = DayField(_l("Permitted until"), validators=[DataRequired(message=_l("Enter the last day."))],
                           description=_l("At most three years after the first day."))
    permitted = CheckboxesField(_l("Variants permitted"),
                                choices=[SelectChoice(v.code, v.title) for v in catalogue.VARIANTS],
                                validators=[DataRequired(message=ERRORS["no_variant"])])
    conditions = TextAreaField(_l("Conditions"), validators=[Optional(), Length(max=2000)],
                               description=_l("Printed on the permit, e.g. “Send a photo of the printed leaflet.”"),
                               render_kw={"rows": 3})
    version = version_field()

    def validate_valid_until(self, field):
        start = self.valid_from.data
        if start is None or field.data is None:
            return
        code = period_problem(start, field.data)
        if code == "end_before_start":
            raise ValidationError(ERRORS["end_before_start"])
        if code == "period_too_long":
            raise ValidationError(error_text(LogoError(code, start=start, latest=latest_end(start))))


class ReturnForm(PortalForm):
    message = TextAreaField(_l("What should be corrected"),
                            validators=[DataRequired(message=ERRORS["message_required"]), Length(max=2000)],
                            description=_l("The holder reads this in the e-mail and on the request."),
                            render_kw={"rows": 4})
    version = version_field()


class RejectForm(PortalForm):
    reason = TextAreaField(_l("Reason for refusing"),
                           validators=[DataRequired(message=ERRORS["reason_required"]), Length(max=2000)],
                           description=_l("The holder reads this in the e-mail and on the request."),
                           render_kw={"rows": 4})
    version = version_field()


class RevokeForm(PortalForm):
    reason = TextAreaField(_l("Reason for the revocation"),
                           validators=[DataRequired(message=ERRORS["reason_required"]), Length(max=2000)],
                           description=_l("The holder reads this in the e-mail and on the permit."),
                           render_kw={"rows": 4})
    confirm = BooleanField(_l("I confirm that this permit is revoked today: its files stop downloading at once. "
                              "This cannot be undone."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])
    version = version_field()
