"""Password rules, after NIST SP 800-63B §5.1.1.2: long enough, not a common password, not the
account's e-mail address. No composition rules (a digit, a capital…): they make passwords
harder to remember, not harder to guess.

Common passwords come from zxcvbn's ranked list of about 30,000 passwords seen in leaks: an
offline, maintained list, so checking a password sends it nowhere.
"""
from __future__ import annotations

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 128
# A shorter local part ("ab@…") is too likely to occur in a good password by chance.
MIN_LOCAL_PART = 4

MESSAGES = {
    "length": _l("Use between 10 and 128 characters."),
    "common": _l("This is one of the most common passwords, which are tried first. Please choose another: "
                 "a few unrelated words are easy to remember and hard to guess."),
    "email": _l("The password must not contain your e-mail address. Please choose another."),
}
HINT = _l("At least 10 characters. Common passwords and your e-mail address cannot be used; a few unrelated "
          "words are easy to remember and hard to guess.")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The common-password list, lower-cased; read once, on first use."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(password.lower() for password in FREQUENCY_LISTS["passwords"])


def problem(password: str, email: str | None = None) -> str | None:
    """The rule `password` breaks, as a key of MESSAGES ("length", "common", "email"), or None.
    `email` is the account's address, when known."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return "length"
    folded = password.lower()
    if folded in common_passwords():
        return "common"
    if email:
        address = email.strip().lower()
        local_part = address.partition("@")[0]
        if address in folded or (len(local_part) >= MIN_LOCAL_PART and local_part in folded):
            return "email"
    return None


class PasswordRules:
    """WTForms validator for a new password. The account's address is the form's `email` field
    when it has one (sign-up), else its `account_email` attribute (reset, change)."""

    def __call__(self, form, field):
        if not field.data:
            return
        email_field = getattr(form, "email", None)
        email = email_field.data if email_field is not None else getattr(form, "account_email", None)
        found = problem(field.data, email)
        if found is not None:
            raise ValidationError(MESSAGES[found])
