"""Forms of claiming an imported registration: the claimant's request and code, and the
secretariat's answer."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.core.forms import CorporateNumber, PortalForm, PostalCode, nfkc
from portal.organisations.forms import _phone

APPROVE, REFUSE = "approve", "refuse"


class _Completed(PortalForm):
    """The representative and contact an import does not carry, completed by the claimant."""

    number = StringField(_l("Registration number"), filters=[nfkc],
                         validators=[DataRequired(message=_l("Enter the registration number.")), Length(max=20)],
                         description=_l("As on the certificate, e.g. KS01-0123."),
                         render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    representative_title = StringField(_l("Representative's title"), validators=[DataRequired(), Length(max=100)],
                                       description=_l("e.g. Representative Director"))
    representative_name = StringField(_l("Representative's name"), validators=[DataRequired(), Length(max=100)])
    contact_name = StringField(_l("Contact person's name"), validators=[DataRequired(), Length(max=100)],
                               render_kw={"autocomplete": "name"})
    contact_department = StringField(_l("Department"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("Phone"), filters=[nfkc], validators=[DataRequired(), Length(max=30), _phone],
                                render_kw={"inputmode": "tel", "autocomplete": "tel"})
    contact_email = EmailField(_l("Contact e-mail address"),
                               validators=[DataRequired(), Length(max=254),
                                           Email(message=_l("Enter a valid e-mail address."))],
                               render_kw={"autocomplete": "email"})

    def completed(self) -> dict:
        return {name: self[name].data or "" for name in (
            "representative_title", "representative_name", "contact_name", "contact_department", "contact_phone",
            "contact_email")}


class ClaimRequestForm(_Completed):
    """A request the secretariat approves: the number and what identifies the registrant."""

    corporate_number = StringField(_l("Corporate number"), filters=[nfkc],
                                   validators=[Optional(), CorporateNumber()],
                                   description=_l("13 digits. For a corporation only."),
                                   render_kw={"inputmode": "numeric", "autocomplete": "off"})
    name = StringField(_l("Name of the organisation"), validators=[Optional(), Length(max=200)],
                       description=_l("For a group or a sole proprietor: the name as registered."))
    postal_code = StringField(_l("Postal code"), filters=[nfkc], validators=[Optional(), PostalCode()],
                              description=_l("For a group or a sole proprietor: the postal code as registered."),
                              render_kw={"inputmode": "numeric", "autocomplete": "off"})
    note = TextAreaField(_l("Note to the secretariat"), validators=[Optional(), Length(max=2000)],
                         description=_l("Who you are in the organisation, and anything that helps the secretariat "
                                        "check your request."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.corporate_number.errors or self.postal_code.errors:
            return False
        if not self.corporate_number.data and not (self.name.data and self.postal_code.data):
            self.corporate_number.errors = [*self.corporate_number.errors, str(_l(
                "Enter the corporate number, or (for a group or a sole proprietor) the name and the postal code."))]
            valid = False
        return valid


class ClaimCodeForm(_Completed):
    """A claim with the code printed on a claim letter: no approval needed."""

    code = StringField(_l("Claim code"), filters=[nfkc],
                       validators=[DataRequired(message=_l("Enter the claim code from the letter.")),
                                   Length(max=40)],
                       description=_l("12 letters and digits, e.g. ABCD-EFGH-JK23."),
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})


class DecisionForm(PortalForm):
    """The secretariat's answer to a waiting claim."""

    decision = RadioField(_l("Your decision on the claim"),
                          choices=[SelectChoice(APPROVE, _l("Approve: the claimant becomes the owner")),
                                   SelectChoice(REFUSE, _l("Refuse the claim"))],
                          validators=[DataRequired(message=_l("Choose approve or refuse."))])
    reason = TextAreaField(_l("Reason for a refusal"), validators=[Optional(), Length(max=2000)],
                           description=_l("Required for a refusal. The claimant reads it in the e-mail."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.decision.data == REFUSE and not (self.reason.data or "").strip():
            self.reason.errors = [*self.reason.errors, str(_l("Give the reason for the refusal: the claimant reads it."))]
            valid = False
        return valid


class LettersForm(PortalForm):
    """Print the claim letters of a cohort's unclaimed registrants (the cohort is in the URL)."""
