"""`flask import-registrants`: the historical cohorts with the plan's exact figures, every way a
hand-kept file writes an address, and bad files refused whole with the line named."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.cohorts.models import Cohort, CohortState
from portal.core.extensions import db
from portal.core.japanese import corporate_number_check_digit, normalize_corporate_number
from portal.core.location import derive_location
from portal.demo.historical import historical_rows
from portal.organisations.models import Organisation
from portal.registrations.importer import COLUMNS, ImportRefused, import_rows
from portal.registrations.models import Registration, RegistrationGoal

WARDS = {"中央区", "東区", "西区", "南区", "北区"}
FORMER_TOWNS = ("鹿本郡植木町", "下益城郡城南町", "下益城郡富合町")
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
NEIGHBOURS = ("菊陽町", "合志市", "益城町", "宇土市", "宇城市")


def write_csv(path, rows, encoding="utf-8", columns=COLUMNS) -> str:
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Registration, Organisation, Cohort))


def corporate_number(serial: int) -> str:
    base = f"{serial:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


def row(**fields) -> dict[str, str]:
    base = {"corporate_number": corporate_number(123), "name": "株式会社肥後テスト", "name_kana": "ひごてすと",
            "kind": "corporation", "postal_code": "860-0806", "address": "熊本市中央区花畑町1-1",
            "industry": "E", "goals": "7;11;13"}
    return {**base, **fields}


def test_the_historical_cohorts_give_the_plans_figures(app, runner, tmp_path):
    """Cohorts 1 and 2 as a spreadsheet kept by hand writes them: the portal derives 274 and 319
    registrants in the city, 593 of 850 as of 2024-03-31 and 319 once cohort 1's terms ended."""
    first, second = historical_rows(441, 274, 1), historical_rows(570, 319, 2)
    every = first + second
    addresses = [r["address"] for r in every]
    postal_codes = [r["postal_code"] for r in every]
    # The file really is written the awkward ways the city's records are.
    assert all(any(f"熊本市{ward}" in a for a in addresses) for ward in WARDS)
    assert all(any(town in a for a in addresses) for town in FORMER_TOWNS)
    assert all(any(town in a for a in addresses) for town in NEIGHBOURS)
    assert any(a.startswith("熊本県") for a in addresses) and any(not a.startswith("熊本県") for a in addresses)
    assert any("２" in a for a in addresses)  # full-width digits
    assert {"hyphen" if "-" in p else "〒" if "〒" in p else "full" if "－" in p else "plain"
            for p in postal_codes} >= {"hyphen", "plain", "full"}
    assert any(p.startswith("〒") for p in postal_codes)
    assert any(derive_location(r["address"], r["postal_code"]).mismatch for r in every)
    assert any("－" in r["corporate_number"] for r in every)  # full-width, hyphenated

    for number, rows, decided_on, encoding in ((1, first, "2021-08-25", "utf-8-sig"), (2, second, "2022-01-20", "cp932")):
        path = write_csv(tmp_path / f"cohort{number}.csv", rows, encoding)
        result = runner.invoke(args=["import-registrants", path, "--cohort", str(number), "--decided-on", decided_on])
        assert result.exit_code == 0, result.output
        assert f"{len(rows)} registration(s) imported" in result.output

    with app.app_context():
        by_cohort = dict(db.session.execute(
            select(Cohort.number, func.sum(func.cast(Registration.in_city, db.Integer)))
            .join(Registration.cohort).group_by(Cohort.number)).all())
        assert by_cohort == {1: 274, 2: 319}
        numbers = db.session.scalars(select(Registration.number).join(Registration.cohort)
                                     .where(Cohort.number == 2).order_by(Registration.sequence)).all()
        assert numbers[0] == "KS02-0001" and numbers[-1] == "KS02-0570" and len(set(numbers)) == 570
        # Numbered in file order: the first row of the file is KS02-0001.
        first_name = db.session.scalar(select(Organisation.name).join(Registration)
                                       .where(Registration.number == "KS02-0001"))
        assert first_name == second[0]["name"]
        cohort = db.session.scalar(select(Cohort).where(Cohort.number == 1))
        assert cohort.state == CohortState.DECIDED and cohort.imported and cohort.decided_on == date(2021, 8, 25)
        flagged = db.session.scalar(select(func.count()).select_from(Organisation)
                                    .where(Organisation.location_mismatch.is_(True)))
        assert flagged > 0

    report = runner.invoke(args=["report", "kpi", "--format", "json", "--as-of", "2024-03-31"])
    assert report.exit_code == 0, report.output
    figures = json.loads(report.output)
    assert figures["active_in_city"] == 593 and figures["active_total"] == 1011
    assert figures["target"] == 850 and figures["progress"] == 0.6976
    assert [(c["registered"], c["in_city"], c["cumulative_in_city"]) for c in figures["cohorts"]] == [
        (441, 274, 274), (570, 319, 593)]
    later = json.loads(runner.invoke(args=["report", "kpi", "--format", "json", "--as-of", "2024-09-01"]).output)
    assert later["active_in_city"] == 319


def test_goals_and_profile_are_stored_normalised(app, runner, tmp_path):
    number = corporate_number(123)
    written = f"{number[0]}-{number[1:5]}-{number[5:9]}-{number[9:]}".translate(FULL_WIDTH)
    rows = [row(corporate_number=written, name="株式会社　肥後テスト", goals="13;７;11;7", postal_code="〒８６０－０８０６")]
    path = write_csv(tmp_path / "one.csv", rows)
    assert runner.invoke(args=["import-registrants", path, "--cohort", "1", "--decided-on", "2021-08-25"]).exit_code == 0
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        organisation = registration.organisation
        assert organisation.corporate_number == corporate_number(123)
        assert organisation.name == "株式会社 肥後テスト" and organisation.name_kana == "ヒゴテスト"
        assert organisation.postal_code == "8600806" and organisation.municipality_code == "43101"
        assert registration.in_city and registration.municipality_code == "43101"
        assert registration.goals == [7, 11, 13]
        assert registration.valid_until == date(2024, 8, 24) and registration.number == "KS01-0001"


@pytest.mark.parametrize("bad, column, reason", [
    ({"corporate_number": corporate_number(5)[:-1] + str((int(corporate_number(5)[-1]) + 1) % 10)},
     "corporate_number", "wrong check digit"),
    ({"corporate_number": "12345"}, "corporate_number", "must be 13 digits"),
    ({"corporate_number": ""}, "corporate_number", "required for a corporation"),
    # Not eligible: 国税庁 (a national body) and 熊本県 (a local public body), however typed.
    ({"corporate_number": "7000012050002"}, "corporate_number", "national or local government body"),
    ({"corporate_number": "７０００-０２０４-３０００５"}, "corporate_number", "national or local government body"),
    ({"industry": "Z"}, "industry", "A to T"),
    ({"goals": "7;18"}, "goals", "18 is not an SDG goal"),
    ({"goals": ""}, "goals", "at least one goal"),
    ({"name": "  "}, "name", "required"),
    ({"name_kana": "Higo"}, "name_kana", "kana"),
    ({"kind": "company"}, "kind", "corporation, group or sole_proprietor"),
    ({"postal_code": "86-806"}, "postal_code", "not a postal code"),
    ({"address": "福岡県福岡市中央区天神1-1", "postal_code": "8100001"}, "address", "not in Kumamoto Prefecture"),
])
def test_a_bad_row_refuses_the_whole_file_and_names_its_line(app, runner, tmp_path, bad, column, reason):
    rows = [row(corporate_number=corporate_number(n), name=f"株式会社テスト{n}") for n in range(1, 5)]
    rows[2] = {**rows[2], **bad}
    path = write_csv(tmp_path / "bad.csv", rows)
    result = runner.invoke(args=["import-registrants", path, "--cohort", "1", "--decided-on", "2021-08-25"])
    assert result.exit_code != 0
    assert f"line 4: {column}: " in result.output and reason in result.output
    assert counts(app) == (0, 0, 0)


def test_a_national_university_number_is_imported(app, runner, tmp_path):
    """Incorporated administrative agencies and national university corporations are registered
    法人 with ordinary numbers (熊本大学 was registered in cohort 1)."""
    path = write_csv(tmp_path / "university.csv", [row(corporate_number="9330005003386", name="国立大学法人テスト大学")])
    result = runner.invoke(args=["import-registrants", path, "--cohort", "1", "--decided-on", "2021-08-25"])
    assert result.exit_code == 0, result.output
    assert counts(app) == (1, 1, 1)


def test_every_bad_row_is_reported_not_only_the_first(app, runner, tmp_path):
    rows = [row(corporate_number=corporate_number(n), name=f"テスト{n}") for n in range(1, 6)]
    rows[0]["goals"] = "18"
    rows[3]["industry"] = "?"
    rows[4]["corporate_number"] = rows[1]["corporate_number"]
    path = write_csv(tmp_path / "bad.csv", rows)
    result = runner.invoke(args=["import-registrants", path, "--cohort", "1", "--decided-on", "2021-08-25"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert lines == ["line 2: goals: 18 is not an SDG goal (1 to 17)",
                     "line 5: industry: must be a letter of the Japan Standard Industrial Classification, A to T",
                     "line 6: corporate_number: the same as line 3"]
    assert counts(app) == (0, 0, 0)


def test_a_corporation_registered_already_is_refused(app, runner, tmp_path):
    path = write_csv(tmp_path / "first.csv", [row()])
    assert runner.invoke(args=["import-registrants", path, "--cohort", "1", "--decided-on", "2021-08-25"]).exit_code == 0
    again = write_csv(tmp_path / "again.csv", [row(corporate_number=corporate_number(9), name="別の会社"), row()])
    result = runner.invoke(args=["import-registrants", again, "--cohort", "2", "--decided-on", "2022-01-20"])
    assert result.exit_code == 1
    assert "line 3: corporate_number: already registered as KS01-0001" in result.output
    assert counts(app) == (1, 1, 1)


@pytest.mark.parametrize("content, expected", [
    (b"", "line 1: file: the file is empty"),
    ("corporate_number,name,name_kana,kind,postal_code,address,industry\n".encode(), "line 1: goals: missing column"),
    (",".join(COLUMNS).encode() + b"\n", "line 2: file: the file has a header but no rows"),
    (b"\xff\xfe\x00\x01\x80\x81\xfc\xfc", "neither UTF-8 nor CP932"),
])
def test_files_that_are_not_import_files(app, runner, tmp_path, content, expected):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["import-registrants", str(path), "--cohort", "1", "--decided-on", "2021-08-25"])
    assert result.exit_code == 1
    assert expected in result.output
    assert counts(app) == (0, 0, 0)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_utf8_with_or_without_bom_and_cp932_are_read(app, runner, tmp_path, encoding):
    rows = [row(), row(corporate_number="", kind="sole_proprietor", name="ひご手しごと工房", name_kana="ヒゴテシゴトコウボウ",
                    address="熊本県菊池郡菊陽町原水1-1", postal_code="869-1102")]
    path = write_csv(tmp_path / "file.csv", rows, encoding)
    result = runner.invoke(args=["import-registrants", path, "--cohort", "1", "--decided-on", "2021-08-25"])
    assert result.exit_code == 0, result.output
    assert "2 registration(s) imported (KS01-0001–KS01-0002), 1 in Kumamoto City" in result.output
    with app.app_context():
        names = db.session.scalars(select(Organisation.name).order_by(Organisation.id)).all()
        assert names == ["株式会社肥後テスト", "ひご手しごと工房"]


def test_a_second_file_continues_the_numbers_of_its_cohort(app, ctx):
    import_rows([row()], 1, date(2021, 8, 25))
    result = import_rows([row(corporate_number=corporate_number(7), name="二社目")], 1, date(2021, 8, 25))
    assert (result.first_number, result.last_number) == ("KS01-0002", "KS01-0002")
    with pytest.raises(ImportRefused) as refused:
        import_rows([row(corporate_number=corporate_number(8))], 1, date(2021, 9, 1))
    assert refused.value.errors == ["line 1: decided_on: cohort 1 was decided on 2021-08-25"]


def test_an_open_cohort_is_not_imported_into(app, ctx):
    from datetime import datetime, timedelta

    from portal.cohorts import operations
    from portal.core.i18n import JST

    now = datetime.now(JST)
    operations.plan_cohort(4, now, now + timedelta(days=30))
    with pytest.raises(ImportRefused) as refused:
        import_rows([row()], 4, date(2021, 8, 25))
    assert "cohort 4 exists and has not been decided" in refused.value.errors[0]


def test_a_known_corporation_without_members_keeps_its_organisation(app, ctx):
    """An earlier registration, imported and lapsed: the new one is attached to the same
    organisation and certifies its details as the portal has them."""
    import_rows([row()], 1, date(2015, 1, 20))
    organisation_id = db.session.scalar(select(Organisation.id))
    result = import_rows([row(name="新しい名前")], 2, date(2019, 1, 20))
    assert result.created == 1
    registration = db.session.scalar(select(Registration).where(Registration.number == "KS02-0001"))
    assert registration.organisation_id == organisation_id
    assert registration.organisation.name == "株式会社肥後テスト"  # the portal's data, not the file's
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1
    assert db.session.scalar(select(func.count()).select_from(RegistrationGoal)) == 6


def test_a_corporation_whose_organisation_has_members_is_refused(app, ctx, make_user, make_organisation):
    """A 法人番号 is public: whoever created an organisation with it is not thereby the registrant
    and must not become the owner of the imported registration; they claim it instead."""
    from support import ORGANISATION

    make_organisation(make_user())
    with pytest.raises(ImportRefused) as refused:
        import_rows([row(corporate_number=corporate_number(7), name="別の会社"),
                     row(corporate_number=ORGANISATION["corporate_number"], name="古い名前")], 1, date(2021, 8, 25))
    assert len(refused.value.errors) == 1
    assert refused.value.errors[0].startswith("line 3: corporate_number: ")
    assert "already has an account holder" in refused.value.errors[0]
    assert "claim" in refused.value.errors[0]
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_normalised_corporate_numbers_are_compared(app, ctx):
    number = corporate_number(42)
    wide = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert normalize_corporate_number(wide) == number
    with pytest.raises(ImportRefused) as refused:
        import_rows([row(corporate_number=number), row(corporate_number=wide, name="同じ番号")], 1, date(2021, 8, 25))
    assert refused.value.errors == ["line 3: corporate_number: the same as line 2"]


def _analyzed_registrations() -> bool:
    """Whether the planner has statistics of the registrations table (SQLite: in sqlite_stat1;
    PostgreSQL: a manual ANALYZE since the statistics were last reset, see the test)."""
    from sqlalchemy import text

    if db.session.get_bind().dialect.name == "sqlite":
        present = db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        return bool(present) and bool(db.session.scalar(
            text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'registrations'")))
    return bool(db.session.scalar(text(
        "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'registrations'")))


def test_an_import_leaves_the_planner_statistics_of_what_it_wrote(app, runner, tmp_path):
    from sqlalchemy import text

    with app.app_context():  # no statistics before
        if db.session.get_bind().dialect.name == "sqlite":
            if db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
                db.session.execute(text("DELETE FROM sqlite_stat1"))
        else:
            db.session.execute(text("SELECT pg_stat_reset_single_table_counters('registrations'::regclass)"))
        db.session.commit()
        assert not _analyzed_registrations()
    path = write_csv(tmp_path / "cohort1.csv", historical_rows(30, 20, 1))
    assert runner.invoke(args=["import-registrants", path, "--cohort", "1", "--decided-on", "2021-08-25"]).exit_code == 0
    with app.app_context():
        assert _analyzed_registrations()
