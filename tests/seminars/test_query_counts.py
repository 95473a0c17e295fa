"""The seminar lists and the attendee list cost the same SQL statements for 3 sign-ups as for
30: the counts are grouped in the database and the sign-ups' organisations, contacts and
attendees are loaded together, never one by one."""
from __future__ import annotations

from support import counted, warm_user


def _measure(app, client, urls) -> dict[str, int]:
    found = {}
    warm_user(client)
    for url in urls:
        with counted(app) as statements:
            response = client.get(url)
            assert response.status_code == 200, url
            response.get_data()  # a CSV is written while its body is read
        found[url] = len(statements)
    return found


def test_the_lists_do_not_grow_with_the_sign_ups(app, registrants, make_seminar, sign_up, client_of, secretariat):
    people = registrants(33)
    watcher = people[0]
    seminar_id = make_seminar(capacity=40, seats_per_organisation=3)
    other_id = make_seminar(starts_in_days=12, capacity=2, seats_per_organisation=1)
    for person in people[1:4]:
        sign_up(seminar_id, person["user"], names=("一", "二"))
        sign_up(other_id, person["user"])
    staff, registrant = client_of(secretariat), client_of(watcher["user"])
    staff_urls = ["/staff/seminars/", f"/staff/seminars/{seminar_id}", f"/staff/seminars/{seminar_id}/attendance",
                  f"/staff/seminars/{seminar_id}/attendees.csv", f"/staff/seminars/{seminar_id}/attendees.xlsx"]
    registrant_urls = ["/seminars/", f"/seminars/{seminar_id}"]
    small = _measure(app, staff, staff_urls) | _measure(app, registrant, registrant_urls)

    for person in people[4:]:  # thirty more organisations, two seats each; more on the waiting list
        sign_up(seminar_id, person["user"], names=("一", "二"))
        sign_up(other_id, person["user"])
    sign_up(other_id, watcher["user"])  # the watcher is now on a waiting list too
    large = _measure(app, staff, staff_urls) | _measure(app, registrant, registrant_urls)

    assert large == small, (small, large)
    # The registrant's page: the user, the audiences, the seminars with their sign-ups, the history.
    # …and one of them for the footer's contact blocks.
    assert large["/seminars/"] <= 7, large
    assert large[f"/staff/seminars/{seminar_id}"] <= 7, large
