"""Two approvals, or a code and an approval, racing for one registration give one owner: the
loser is refused ("claimed" or "decided") and nothing of it is stored. Runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL (row locks, READ COMMITTED)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from claim_helpers import COMPLETED, issue
from portal.accounts.models import User
from portal.claims import operations
from portal.claims.models import ClaimMethod, ClaimState, RegistrationClaim
from portal.core.extensions import db
from portal.organisations.models import Membership, Organisation
from portal.registrations.models import ChangeNotice


def _waiting(app, registration_id, user_id) -> int:
    with app.app_context():
        claim = RegistrationClaim(registration_id=registration_id, user_id=user_id, method=ClaimMethod.REQUEST,
                                  state=ClaimState.WAITING, details=dict(COMPLETED))
        db.session.add(claim)
        db.session.commit()
        return claim.id


def _run_together(app, *actions) -> list[str]:
    """Run each action in its own thread and session, started at once; what each ended with."""
    barrier = threading.Barrier(len(actions))
    results: list[str] = [""] * len(actions)

    def run(index, action):
        with app.test_request_context():
            try:
                barrier.wait()
                action()
                db.session.commit()
                results[index] = "ok"
            except operations.ClaimError as error:
                db.session.rollback()
                results[index] = error.code
            except Exception as error:  # a deadlock or a lock timeout would be a server error
                db.session.rollback()
                results[index] = f"error: {error!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _owners(app, registration_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Membership))


def test_two_approvals_racing_give_one_owner(app, imported, make_user):
    registration = imported["corporation"]
    secretariat = make_user("secretariat")
    claims = [_waiting(app, registration, make_user(email=f"c{i}@example.jp")) for i in range(2)]

    def approve(claim_id):
        def action():
            operations.approve_claim(db.session.get(RegistrationClaim, claim_id), db.session.get(User, secretariat))
        return action

    for _ in range(3):
        results = _run_together(app, approve(claims[0]), approve(claims[1]))
        assert sorted(results)[1] == "ok" and sorted(results)[0] in ("claimed", "decided"), results
        assert _owners(app, registration) == 1
        with app.app_context():
            states = sorted(c.state.value for c in db.session.scalars(select(RegistrationClaim)))
            assert states == ["approved", "refused"]
            assert db.session.scalar(select(func.count()).select_from(ChangeNotice)) == 1
            # reset for another round
            db.session.execute(Membership.__table__.delete())
            db.session.execute(ChangeNotice.__table__.delete())
            db.session.execute(RegistrationClaim.__table__.update().values(state="waiting"))
            db.session.execute(Organisation.__table__.update().values(representative_title="", representative_name=""))
            db.session.commit()


def test_a_code_and_an_approval_racing_give_one_owner(app, imported, make_user):
    registration = imported["corporation"]
    secretariat = make_user("secretariat")
    waiting = _waiting(app, registration, make_user(email="asker@example.jp"))
    holder = make_user(email="holder@example.jp")
    code = issue(app, [registration])[registration]

    def approve():
        operations.approve_claim(db.session.get(RegistrationClaim, waiting), db.session.get(User, secretariat))

    def use_code():
        operations.claim_with_code("KS01-0001", code, db.session.get(User, holder), COMPLETED)

    results = _run_together(app, approve, use_code)
    assert sorted(results)[1] == "ok" and sorted(results)[0] in ("claimed", "decided"), results
    assert _owners(app, registration) == 1
