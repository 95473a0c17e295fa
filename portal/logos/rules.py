"""What a logo-use request asks for, and the usage rules a requester agrees to.

The city's own wording is not published in machine-readable form: the project writes the rules
here, versioned (`RULES_VERSION` is stored with each agreement), and the permit PDF prints them.
"""
from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from portal.registrations.terms import add_months

MAX_YEARS = 3
RULES_VERSION = "1"


class HolderKind(StrEnum):
    CORPORATION = "corporation"
    GROUP = "group"
    SOLE_PROPRIETOR = "sole_proprietor"
    INDIVIDUAL = "individual"

    @property
    def title(self) -> str:
        return str(_HOLDER_KINDS[self])

    @property
    def lazy_title(self):
        """The title translated when shown, for choices built when a module loads."""
        return _HOLDER_KINDS[self]


_HOLDER_KINDS = {
    HolderKind.CORPORATION: _l("Corporation"),
    HolderKind.GROUP: _l("Group or association"),
    HolderKind.SOLE_PROPRIETOR: _l("Sole proprietor"),
    HolderKind.INDIVIDUAL: _l("Individual"),
}

# The media a request may name, in the order the form shows them.
MEDIA = {
    "business_cards": _l("Business cards"),
    "website": _l("Website or social media"),
    "leaflets": _l("Leaflets and posters"),
    "events": _l("Events (banners, signs, name tags)"),
    "vehicles": _l("Vehicles"),
    "packaging": _l("Product packaging"),
    "other": _l("Other"),
}
# Media that need a word of explanation: what "other" is; which products the packaging is for.
MEDIA_NEEDING_DETAIL = frozenset({"packaging", "other"})

RULES = (
    _l("Use the logo only for the activity and on the media named in your permit, and only during its period."),
    _l("Do not use the logo for political or religious activities, or in a way that suggests that Kumamoto City "
       "endorses a company, a product or a service."),
    _l("Do not change the logo's shape, colours or proportions: use the files as supplied (enlarging or reducing "
       "them evenly is allowed)."),
    _l("Do not transfer or lend the permit or the logo files to anyone else."),
    _l("Do not put the logo on goods for sale without a separate approval from the secretariat."),
    _l("Stop using the logo when the permit ends or is revoked."),
    _l("The secretariat may ask how the logo is used, and may revoke the permit if these rules are not followed."),
)

# The same rules in the permit PDF, which is in Japanese whatever the reader's language.
RULES_JA = (
    "許可を受けた取組及び使用媒体に限り、許可期間内に使用すること。",
    "政治活動又は宗教活動に使用しないこと。また、熊本市が特定の企業、商品又はサービスを推奨していると誤解されるおそれのある方法で使用しないこと。",
    "ロゴマークの形状、色彩及び縦横比を変更しないこと（縦横比を保った拡大又は縮小を除く。）。",
    "この許可及びロゴマークのデータを第三者に譲渡し、又は貸与しないこと。",
    "販売を目的とする商品に使用する場合は、別途事務局の承認を受けること。",
    "許可期間が満了し、又は許可が取り消されたときは、直ちに使用を中止すること。",
    "事務局から使用状況の報告を求められたときは応じること。これらに違反したときは、許可を取り消すことがある。",
)


def latest_end(start: date) -> date:
    """The last day a period beginning on `start` may run to: three years, the day before the
    same date (2026-04-01 → 2029-03-31)."""
    return add_months(start, 12 * MAX_YEARS) - timedelta(days=1)


def period_problem(start: date | None, end: date | None, today: date | None = None) -> str | None:
    """Why a period cannot be permitted (a code of operations.ERRORS), or None.

    `today` given: the period may not begin in the past.
    """
    if start is None or end is None:
        return "period_missing"
    if end < start:
        return "end_before_start"
    if end > latest_end(start):
        return "period_too_long"
    if today is not None and start < today:
        return "starts_in_past"
    return None
