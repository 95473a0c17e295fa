"""Forms of the registration pages: withdrawal (辞退), change notice (変更届), and the
secretariat's revocation (取消), acceptance and return of a change notice."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.core import location
from portal.core.forms import Katakana, LocalDateField, PortalForm, PostalCode, nfkc

CONFIRM = _l("Tick the box to confirm.")


class WithdrawRegistrationForm(PortalForm):
    """辞退 — the registrant's confirmation."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)],
                           description=_l("Only the secretariat sees the reason."))
    confirm = BooleanField(
        _l("I understand that the registration ends today: the certificate is no longer valid and the "
           "public verification page will say that the registration was withdrawn."),
        validators=[DataRequired(message=CONFIRM)])


class RevokeForm(PortalForm):
    """取消 — the secretariat's revocation, with the reason the registrant is told."""

    reason = TextAreaField(_l("Reason for the revocation"),
                           validators=[DataRequired(message=_l("Give the reason for the revocation.")),
                                       Length(max=2000)],
                           description=_l("The registrant sees this reason on their page and in the e-mail. "
                                          "The public verification page does not show it."))
    confirm = BooleanField(
        _l("I confirm that this registration is revoked today. This cannot be undone."),
        validators=[DataRequired(message=CONFIRM)])


class ChangeNoticeForm(PortalForm):
    """変更届 — the new certified details (prefilled from the organisation), the day the change
    took effect and an optional supporting document. 法人番号 and kind are not here: they never
    change (a different entity applies anew)."""

    name = StringField(_l("Name of the organisation"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "organization"})
    name_kana = StringField(_l("Name in katakana"), validators=[DataRequired(), Length(max=200), Katakana()])
    representative_title = StringField(_l("Representative's title"), validators=[DataRequired(), Length(max=100)],
                                       description=_l("e.g. Representative Director"))
    representative_name = StringField(_l("Representative's name"), validators=[DataRequired(), Length(max=100)])
    postal_code = StringField(_l("Postal code"), filters=[nfkc], validators=[DataRequired(), PostalCode()],
                              description=_l("7 digits, e.g. 860-8570."),
                              render_kw={"inputmode": "numeric", "autocomplete": "postal-code"})
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=300)],
                          description=_l("The office in Kumamoto Prefecture, including the building name."),
                          render_kw={"autocomplete": "street-address"})
    industry = SelectField(_l("Industry (Japan Standard Industrial Classification)"),
                           validators=[DataRequired()], choices=[])
    effective_on = LocalDateField(_l("Date the change took effect"),
                                  validators=[DataRequired(message=_l("Give the date the change took effect."))],
                                  description=_l("For example the date of the registration of the change in the "
                                                 "commercial register, or of the move. Not a future date."),
                                  render_kw={"type": "date"})
    document = FileField(_l("Supporting document"),
                         description=_l("For example a certified copy of the commercial register: PDF, PNG or "
                                        "JPEG, up to 10 MB."))
    note = TextAreaField(_l("Note to the secretariat"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.core.i18n import current_locale
        from portal.core.japanese import format_postal_code
        from portal.core.reference.industries import INDUSTRIES

        if self.postal_code.data and len(self.postal_code.data) == 7 and self.postal_code.data.isdigit():
            self.postal_code.data = format_postal_code(self.postal_code.data)
        locale = current_locale()
        self.industry.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(i.code, f"{i.code} {i.name(locale)}") for i in INDUSTRIES]

    def validate_postal_code(self, field):
        if field.data and not field.errors and location.lookup_postal_code(field.data) is None:
            raise ValidationError(_l("This postal code was not found. Please check it."))

    def values(self) -> dict:
        """The proposed certified details, as the organisation stores them."""
        from portal.core.japanese import normalize_postal_code

        return {"name": self.name.data, "name_kana": self.name_kana.data,
                "representative_title": self.representative_title.data,
                "representative_name": self.representative_name.data,
                "postal_code": normalize_postal_code(self.postal_code.data), "address": self.address.data,
                "industry": self.industry.data}


class AcceptNoticeForm(PortalForm):
    """The secretariat accepts a change notice (an optional word to the registrant)."""

    message = TextAreaField(_l("Message to the registrant"), validators=[Optional(), Length(max=2000)])


class ReturnNoticeForm(PortalForm):
    """The secretariat returns a change notice, saying why (required)."""

    reason = TextAreaField(_l("Reason for returning the notice"),
                           validators=[DataRequired(message=_l("Say why the notice is returned.")), Length(max=2000)],
                           description=_l("The registrant sees this in the e-mail and on the registration's page. "
                                          "Say what to correct or send."))
