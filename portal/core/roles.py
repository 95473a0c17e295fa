"""The kinds of account: applicants, the prefecture's staff (reviewers and the secretariat),
partner institutions, and Kumamoto City's staff."""
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    SECRETARIAT = "secretariat"
    PARTNER = "partner"
    CITY = "city"  # 熊本市職員: the city's KPI and its logo permits, none of the prefecture's review

    @property
    def title(self) -> str:
        return str(_ROLE_TITLES[self])

    @property
    def is_staff(self) -> bool:
        """The prefecture's staff (the registration cycle); city staff are not."""
        return self in (Role.REVIEWER, Role.SECRETARIAT)

    @property
    def needs_second_factor(self) -> bool:
        """Accounts that see other people's data sign in with a second factor where it is
        required (TWO_FACTOR_REQUIRED, on in production); for applicants it is optional."""
        return self.is_staff or self in (Role.PARTNER, Role.CITY)


_ROLE_TITLES = {
    Role.APPLICANT: _l("Applicant"),
    Role.REVIEWER: _l("Reviewer"),
    Role.SECRETARIAT: _l("Secretariat"),
    Role.PARTNER: _l("Partner institution"),
    Role.CITY: _l("Kumamoto City staff"),
}
