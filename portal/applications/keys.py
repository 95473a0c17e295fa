"""Key actions keep a stable identity: each action in an application's answers carries a `key`,
given when the action is first saved and carried from the application to the registration, its
renewals and every yearly progress report. A renewal may reorder, edit, add or retire actions;
history follows the key, never the place in the list."""
from __future__ import annotations

import secrets
from collections.abc import Iterable


def new_key(taken: set[str]) -> str:
    """A new key, 8 random hex digits, not in `taken` (which it joins): a retired action's key
    is never given to another."""
    while True:
        key = secrets.token_hex(4)
        if key not in taken:
            taken.add(key)
            return key


def assign_keys(actions: list[dict], known: Iterable[str] = ()) -> list[dict]:
    """The actions to store, each with a key: its own where that is one of `known` (the keys the
    draft or the registration already had) and not taken by an earlier action, else a new one.
    A key typed into the form or copied from another action is never trusted."""
    known = set(known)
    taken = set(known)
    used: set[str] = set()
    stored = []
    for action in actions:
        key = action.get("key")
        if not (isinstance(key, str) and key in known and key not in used):
            key = new_key(taken)
        used.add(key)
        stored.append({**action, "key": key})
    return stored


def keyed(actions: list[dict] | None) -> list[dict]:
    """The actions as read, each with a key. Everything the portal stores has keys (migration
    0014 gave them to what came before); answers written without one by hand read as `p1`, `p2`,
    … by their place, the same way each time."""
    return [action if action.get("key") else {**action, "key": f"p{index + 1}"}
            for index, action in enumerate(actions or [])]


def keys_of(actions: list[dict] | None) -> list[str]:
    return [action["key"] for action in keyed(actions)]
