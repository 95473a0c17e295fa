"""The changes between two revisions follow each key action by its key: a moved row reads as a
move, an edited one as its edits, a new one as added and a retired one as removed."""
from portal.applications.checklist import load_checklist
from portal.review.diff import revision_diff


def _action(key, description, target_value="5"):
    return {"key": key, "area": "economy", "description": description, "goals": [8], "targets": ["8.1"],
            "indicator": "指標", "unit": "t", "current_value": "10", "target_value": target_value}


def _changes(app, old_actions, new_actions):
    with app.test_request_context("/?lang=en"):
        sections = revision_diff({"actions": old_actions}, {"actions": new_actions}, load_checklist("1"), "en")
        [actions] = [s for s in sections if s.anchor == "actions"]
        return [(str(c.label), str(c.before), str(c.after)) for c in actions.changes]


def test_a_moved_action_is_a_move_not_two_rewrites(app):
    old = [_action("aaaa0001", "共同配送"), _action("bbbb0002", "省エネ")]
    new = [_action("bbbb0002", "省エネ"), _action("aaaa0001", "共同配送")]
    assert _changes(app, old, new) == [("Key action 1: place in the list", "2", "1"),
                                       ("Key action 2: place in the list", "1", "2")]


def test_edits_additions_and_removals_follow_the_key(app):
    old = [_action("aaaa0001", "共同配送"), _action("bbbb0002", "省エネ"), _action("cccc0003", "紙の削減")]
    new = [_action("bbbb0002", "省エネ", target_value="3"), _action("dddd0004", "EVトラック"),
           _action("aaaa0001", "共同配送")]
    changes = _changes(app, old, new)
    assert ("Key action 1: place in the list", "2", "1") in changes
    assert ("Key action 1: 2030 target value", "5", "3") in changes
    assert ("Key action 2 (added)", "—", "<ins>EVトラック</ins>") in changes
    assert ("Key action 3: place in the list", "1", "3") in changes
    assert ("Key action 3 (removed)", "<del>紙の削減</del>", "—") in changes
    assert not any("What you will do" in label for label, _, _ in changes)  # nobody's text was rewritten
