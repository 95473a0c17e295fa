from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, IntegerField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional, ValidationError

from portal.core import location
from portal.core.forms import CorporateNumber, Katakana, PortalForm, PostalCode, nfkc
from portal.core.i18n import current_locale
from portal.core.reference.industries import INDUSTRIES
from portal.organisations.models import OrganisationKind


def _phone(form, field):
    digits = re.sub(r"[-()\s]", "", field.data or "")
    if not re.fullmatch(r"0\d{9,10}", digits):
        raise ValidationError(_l("Enter a phone number of 10 or 11 digits starting with 0 (e.g. 096-333-2111)."))


class OrganisationForm(PortalForm):
    """事業者情報 — the organisation's profile (DESIGN.md, application content §1)."""

    kind = RadioField(_l("Kind of organisation"), validators=[DataRequired()], choices=[])
    corporate_number = StringField(
        _l("Corporate number"), filters=[nfkc], validators=[Optional(), CorporateNumber()],
        description=_l("13 digits. Required for corporations; sole proprietors have none."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    name = StringField(_l("Name of the organisation"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "organization"})
    name_kana = StringField(_l("Name in katakana"), validators=[DataRequired(), Length(max=200), Katakana()])
    representative_title = StringField(_l("Representative's title"), validators=[DataRequired(), Length(max=100)],
                                       description=_l("e.g. Representative Director"))
    representative_name = StringField(_l("Representative's name"), validators=[DataRequired(), Length(max=100)])
    postal_code = StringField(_l("Postal code"), filters=[nfkc], validators=[DataRequired(), PostalCode()],
                              description=_l("7 digits, e.g. 860-8570. The address is filled in from it."),
                              render_kw={"inputmode": "numeric", "autocomplete": "postal-code"})
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=300)],
                          description=_l("The office in Kumamoto Prefecture, including the building name."),
                          render_kw={"autocomplete": "street-address"})
    industry = SelectField(_l("Industry (Japan Standard Industrial Classification)"),
                           validators=[DataRequired()], choices=[])
    employees = IntegerField(_l("Number of employees"), validators=[
        Optional(),
        NumberRange(min=0, max=10_000_000, message=_l("Enter a number of employees from 0 to 10,000,000."))],
        render_kw={"inputmode": "numeric"})
    # Kept in a BIGINT column (the one number wider than INTEGER): 10**15 yen is above any capital.
    capital = IntegerField(_l("Capital (yen)"), validators=[
        Optional(), NumberRange(min=0, max=10**15, message=_l("Enter the capital in yen, up to 1,000 trillion."))],
        render_kw={"inputmode": "numeric"})
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300),
                                                     URL(message=_l("Enter an address starting with https://"))],
                          render_kw={"inputmode": "url", "autocomplete": "url"})
    contact_name = StringField(_l("Contact person's name"), validators=[DataRequired(), Length(max=100)])
    contact_department = StringField(_l("Department"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("Phone"), filters=[nfkc], validators=[DataRequired(), Length(max=30), _phone],
                                render_kw={"inputmode": "tel", "autocomplete": "tel"})
    contact_email = EmailField(_l("Contact e-mail address"),
                               validators=[DataRequired(), Length(max=254),
                                           Email(message=_l("Enter a valid e-mail address."))],
                               render_kw={"autocomplete": "email"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k.value, k.title) for k in OrganisationKind]
        locale = current_locale()
        if self.postal_code.data and len(self.postal_code.data) == 7 and self.postal_code.data.isdigit():
            from portal.core.japanese import format_postal_code

            self.postal_code.data = format_postal_code(self.postal_code.data)
        self.industry.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(i.code, f"{i.code} {i.name(locale)}") for i in INDUSTRIES
        ]

    def _validate_profile(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Cross-field rules: Optional() ends the field's own chain when it is empty.
        number = self.corporate_number
        if self.kind.data == OrganisationKind.CORPORATION and not number.data and not number.errors:
            number.errors = [*number.errors, str(_l("A corporation needs its 13-digit corporate number."))]
            valid = False
        if self.kind.data == OrganisationKind.SOLE_PROPRIETOR and number.data:
            number.errors = [*number.errors, str(_l("Sole proprietors have no corporate number: leave this empty."))]
            valid = False
        return valid

    def lock_certified(self, organisation) -> None:
        """Keep the certified details as they are (a live registration locks them): the page
        shows them as text, a field left out takes the organisation's value, and one sent with
        another value is refused on its field (`validate`)."""
        from portal.core.japanese import format_postal_code
        from portal.registrations.lock import LOCKED_FIELDS

        self.locked = {name: _stored(getattr(organisation, name)) for name in LOCKED_FIELDS}
        for name, value in self.locked.items():
            field = self[name]
            if not field.raw_data:
                field.data = format_postal_code(value) if name == "postal_code" and value else value

    def validate(self, extra_validators=None) -> bool:
        valid = self._validate_profile(extra_validators)
        for name, value in getattr(self, "locked", {}).items():
            field = self[name]
            if not field.raw_data:
                field.errors = []  # not sent: it stays as it is
            elif _stored(_cleared(name, field.data)) != value:
                field.errors = [str(LOCKED_MESSAGE)]
        return valid if not getattr(self, "locked", None) else not any(field.errors for field in self)

    def validate_postal_code(self, field):
        if field.data and not field.errors and location.lookup_postal_code(field.data) is None:
            raise ValidationError(_l("This postal code was not found. Please check it."))

    def validate_address(self, field):
        if self.postal_code.errors or not field.data:
            return
        found = location.derive_location(field.data, self.postal_code.data)
        if not found.in_prefecture:
            raise ValidationError(_l("The office must be in Kumamoto Prefecture."))

    def fill_address_from_postal_code(self) -> bool:
        """The no-JavaScript path of the address lookup button: fill the address from the
        postal code (or say what is wrong with the code). True when the address was filled."""
        from portal.core import japanese

        try:
            code = japanese.normalize_postal_code(self.postal_code.data or "")
        except ValueError:
            self.postal_code.errors = [str(_l("Enter a 7-digit postal code (e.g. 860-8570)."))]
            return False
        area = location.lookup_postal_code(code)
        if area is None:
            self.postal_code.errors = [str(_l("This postal code was not found. Please check it."))]
            return False
        self.postal_code.data = japanese.format_postal_code(code)
        prefix = area.prefecture + area.city + area.town
        if not (self.address.data or "").startswith(prefix):
            self.address.data = prefix
        # Take the user back to the address after the page reloads, to add the street number.
        self.address.render_kw = {**(self.address.render_kw or {}), "autofocus": True}
        return True

    def profile_data(self) -> dict:
        """The fields as the organisation stores them; without the locked ones (`lock_certified`),
        which cannot change here: a stored value the form's filters would rewrite (half-width
        kana, say) must not read as a change."""
        locked = getattr(self, "locked", {})
        data = {name: self[name].data for name in PROFILE_FIELDS if name not in locked}
        if "kind" in data:
            data["kind"] = OrganisationKind(data["kind"])
        for name in ("corporate_number", "website", "contact_department"):
            if name in data:
                data[name] = data[name] or None
        return data


LOCKED_MESSAGE = _l("This is a certified detail of your registration: it changes only by a change notice "
                    "the secretariat accepts.")


PROFILE_REFUSALS = {
    "certified_locked": _l("The certified details of your registration change only by a change notice "
                           "the secretariat accepts. Nothing was saved."),
}


def profile_refusal(error) -> str:
    """What to say on the profile form when `update_organisation` refuses (an OrganisationError)."""
    return str(PROFILE_REFUSALS.get(str(error), _l("The profile could not be saved. Nothing was saved.")))


def _cleared(name: str, value):
    """A field's value as `profile_data` stores it (empty optional text is None)."""
    if name == "corporate_number":
        return value or None
    return value


def _stored(value):
    """A stored value in the form the posted one is compared with (the kind's text)."""
    return value.value if hasattr(value, "value") else value


PROFILE_FIELDS = (
    "kind", "corporate_number", "name", "name_kana", "representative_title", "representative_name",
    "postal_code", "address", "industry", "employees", "capital", "website", "contact_name",
    "contact_department", "contact_phone", "contact_email",
)


class InvitationForm(PortalForm):
    email = EmailField(_l("E-mail address of the person to invite"),
                       validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid e-mail address."))],
                       filters=[lambda v: v.lower() if isinstance(v, str) else v])


class AcceptInvitationForm(PortalForm):
    pass
