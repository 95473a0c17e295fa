"""Forms of the registration pages: withdrawal (辞退), change notice (変更届), and the
secretariat's revocation (取消) and answer to a change notice."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from portal.core import location
from portal.core.forms import PortalForm, PostalCode, nfkc

CONFIRM = _l("Tick the box to confirm.")


class WithdrawRegistrationForm(PortalForm):
    """辞退 — the registrant's confirmation."""

    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=1000)],
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
    """変更届 — the new name, address or representative (prefilled from the organisation)."""

    name = StringField(_l("Name of the organisation"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "organization"})
    representative_title = StringField(_l("Representative's title"), validators=[DataRequired(), Length(max=100)],
                                       description=_l("e.g. 代表取締役"))
    representative_name = StringField(_l("Representative's name"), validators=[DataRequired(), Length(max=100)])
    postal_code = StringField(_l("Postal code"), filters=[nfkc], validators=[DataRequired(), PostalCode()],
                              description=_l("7 digits, e.g. 860-8570."),
                              render_kw={"inputmode": "numeric", "autocomplete": "postal-code"})
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=300)],
                          description=_l("The office in Kumamoto Prefecture, including the building name."),
                          render_kw={"autocomplete": "street-address"})
    note = TextAreaField(_l("Note to the secretariat (optional)"), validators=[Optional(), Length(max=2000)],
                         description=_l("For example the date the change took effect."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.postal_code.data and len(self.postal_code.data) == 7 and self.postal_code.data.isdigit():
            from portal.core.japanese import format_postal_code

            self.postal_code.data = format_postal_code(self.postal_code.data)

    def validate_postal_code(self, field):
        if field.data and not field.errors and location.lookup_postal_code(field.data) is None:
            raise ValidationError(_l("This postal code was not found. Please check it."))

    def validate_address(self, field):
        if self.postal_code.errors or not field.data:
            return
        if not location.derive_location(field.data, self.postal_code.data).in_prefecture:
            raise ValidationError(_l("The office must be in Kumamoto Prefecture."))

    def notice_data(self) -> dict:
        """The arguments of `file_change_notice`, as the organisation stores them."""
        from portal.core.japanese import normalize_postal_code

        return {"name": self.name.data, "representative_title": self.representative_title.data,
                "representative_name": self.representative_name.data,
                "postal_code": normalize_postal_code(self.postal_code.data), "address": self.address.data,
                "note": self.note.data or ""}


ACKNOWLEDGE, REVIEW = "acknowledge", "review"


class NoticeResponseForm(PortalForm):
    """The secretariat's answer to a change notice: acknowledge it, or ask for a new review.
    The page shows one form per filed notice (prefix notice-<id>); the two buttons post
    `decision`."""

    response = TextAreaField(_l("Response to the registrant"), validators=[Optional(), Length(max=2000)],
                             description=_l("Sent to the person who filed the notice. Required when you ask for "
                                            "a new review: say what they should do."))
    decision = StringField(_l("Decision"), validators=[AnyOf((ACKNOWLEDGE, REVIEW),
                                                             message=_l("Choose to acknowledge the notice or to "
                                                                        "ask for a new review."))])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.decision.data == REVIEW and not (self.response.data or "").strip():
            self.response.errors = [*self.response.errors,
                                    str(_l("Say what the registrant should do when you ask for a new review."))]
            valid = False
        return valid
