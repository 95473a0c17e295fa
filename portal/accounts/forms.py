from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from portal.accounts import passwords
from portal.core.forms import PortalForm
from portal.core.i18n import current_locale
from portal.core.roles import Role

LANGUAGE_CHOICES = [SelectChoice("ja", "日本語", render_kw={"lang": "ja"}), SelectChoice("en", "English", render_kw={"lang": "en"})]
# Length, not a common password, not the e-mail address (portal.accounts.passwords).
PASSWORD_RULES = (passwords.PasswordRules(),)


def lower(value):
    return value.lower() if isinstance(value, str) else value


class EmailMixin:
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid e-mail address."))],
        filters=[lower],
        render_kw={"autocomplete": "email"},
    )


class SignUpForm(EmailMixin, PortalForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)],
                       render_kw={"autocomplete": "name"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), *PASSWORD_RULES],
                             description=passwords.HINT,
                             render_kw={"autocomplete": "new-password"})
    password_again = PasswordField(
        _l("Password (again)"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    agree = BooleanField(_l("I agree to the terms of use and the privacy policy."),
                         validators=[DataRequired(message=_l("Please agree to continue."))])


class LoginForm(EmailMixin, PortalForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(EmailMixin, PortalForm):
    pass


class ResetPasswordForm(PortalForm):
    """A new password for the account whose address is `email` (the password may not contain it)."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), *PASSWORD_RULES],
                             description=passwords.HINT,
                             render_kw={"autocomplete": "new-password"})
    password_again = PasswordField(
        _l("New password (again)"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = email


class ProfileForm(PortalForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    locale = RadioField(_l("Language for pages and e-mails"), choices=LANGUAGE_CHOICES,
                        validators=[DataRequired()])


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)],
                                     render_kw={"autocomplete": "current-password"})

    def __init__(self, *args, email: str | None = None, **kwargs):
        # One changes one's own password: the signed-in user's address unless told otherwise.
        super().__init__(*args, email=email or getattr(current_user, "email", None), **kwargs)


class AccountForm(EmailMixin, PortalForm):
    """The secretariat creates staff, partner and Kumamoto City accounts."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[])
    partner_id = SelectField(_l("Partner institution"), coerce=int, validators=[Optional()],
                             description=_l("Only for partner accounts."))
    locale = RadioField(_l("Language for e-mails"), choices=LANGUAGE_CHOICES, default="ja")

    def __init__(self, partners, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(r.value, r.title) for r in (Role.REVIEWER, Role.SECRETARIAT, Role.PARTNER,
                                                                        Role.CITY)]
        self.partner_id.choices = [SelectChoice(0, _l("(none)"))] + [SelectChoice(p.id, p.name(current_locale()))
                                                                       for p in partners]

    def validate_partner_id(self, field):
        if self.role.data == Role.PARTNER and not field.data:
            raise ValidationError(_l("Choose the institution this partner account belongs to."))
        if self.role.data != Role.PARTNER and field.data:
            raise ValidationError(_l("Only partner accounts belong to an institution."))


class SecondFactorForm(PortalForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("The six-digit code your authenticator app shows, or one of your recovery codes."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off",
                                  "spellcheck": "false"})


class AppCodeForm(PortalForm):
    """A code from the authenticator app (to confirm enrolment, replace the recovery codes or
    turn two-factor sign-in off)."""

    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=40)],
                       description=_l("The six-digit code your authenticator app shows now."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
