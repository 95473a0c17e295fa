"""やること — what each person should do next, at the top of their home page.

A panel is a list of items, each a link with its deadline. The items come from providers: a
provider is a function `(user, now) -> list[Item]` that runs one query (or a few, never one per
row). Each panel lists its providers in order; a feature adds an item to a panel by adding one
provider to the panel's list (`PANELS` below), either the function itself or its dotted path
"package.module:function" (imported when first used, so a feature's module need not be
imported here).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

URGENT, NORMAL, INFO = "urgent", "normal", "info"


@dataclass(frozen=True)
class Item:
    """One thing to do: `text` (translated), `link`, and when — `deadline` (the date or instant
    it must be done by; `when` is how the page says it, already formatted through
    portal.core.deadlines / portal.core.i18n), or only `when` (a seminar's time). `count` is
    kept for the page (`data-count`) and the tests; the text says it. `lang` marks a text that
    is data in a language of its own (an organisation's name: "ja")."""

    key: str
    text: str
    link: str
    deadline: date | datetime | None = None
    when: str | None = None
    urgency: str = NORMAL
    count: int | None = None
    lang: str | None = None


Provider = Callable[..., list[Item]]


def _resolve(provider: Provider | str) -> Provider:
    if callable(provider):
        return provider
    module, _, name = provider.partition(":")
    return getattr(importlib.import_module(module), name)


def _panels() -> dict[str, list[Provider | str]]:
    from portal.todo import applicant, city, partner, staff

    return {"applicant": applicant.PROVIDERS, "staff": staff.PROVIDERS, "partner": partner.PROVIDERS,
            "city": city.PROVIDERS}


def items_for(panel: str, user, now: datetime | None = None) -> list[Item]:
    """The items of `panel` for `user`, providers in their order."""
    from portal.core.db import utcnow

    now = now or utcnow()
    found: list[Item] = []
    for provider in _panels()[panel]:
        found.extend(_resolve(provider)(user, now))
    return found
