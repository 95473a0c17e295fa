"""Helpers of the KPI tests: the small dataset's rows (every figure worked out by hand in
test_kpi_report.py), an English-reading staff client, and a SQL statement counter."""
from __future__ import annotations

from datetime import date

from support import counted, login


CHUO = ("8600806", "熊本市中央区花畑町4-1")
HIGASHI = ("8620911", "熊本市東区健軍2-10-3")
UEKI = ("8610136", "鹿本郡植木町岩野238-1")  # merged into the city: 北区
MINAMI = ("8614101", "熊本市南区近見7-4-10")
NISHI = ("8600047", "熊本市西区春日3-15-60")
KITA = ("8618001", "熊本市北区武蔵ケ丘2-142-10")
KIKUYO = ("8691102", "菊池郡菊陽町原水1-1")  # next door, outside
YATSUSHIRO = ("8668501", "八代市平山新町4438-3")
KOSHI = ("8611102", "合志市須屋1-10-3")

# cohort number, decision date, rows: (place, industry, goals)
COHORTS = (
    (1, date(2020, 12, 1), [(CHUO, "E", "13"), (KIKUYO, "D", "7;13")]),
    (2, date(2021, 8, 25), [(CHUO, "E", "8;13"), (HIGASHI, "I", "11"), (UEKI, "A", "2;15"),
                            (KIKUYO, "D", "9"), (YATSUSHIRO, "E", "13")]),
    (3, date(2022, 1, 20), [(MINAMI, "P", "3"), (NISHI, "G", "9;17"), (KOSHI, "D", "13"), (YATSUSHIRO, "H", "11")]),
    (4, date(2024, 5, 10), [(KITA, "E", "13"), (KOSHI, "E", "7")]),
)
WITHDRAWN = ("KS02-0002", date(2023, 6, 1))  # 東区, in the city
REVOKED = ("KS03-0004", date(2023, 1, 10))  # 八代市, outside

# The fiscal years of a report on 2024-03-31: fiscal 2020 holds cohort 1's decision, fiscal 2021
# cohorts 2 and 3's; fiscal 2022 ends after the revocation, and fiscal 2023 is counted on the
# report date (cohort 1 expired, 東区 withdrawn).
FISCAL_YEARS_2024_03_31 = [
    {"fiscal_year": 2020, "year_end": "2021-03-31", "decided": 2, "cumulative_registered": 2,
     "active_total": 2, "active_in_city": 1, "target": None, "progress": None},
    {"fiscal_year": 2021, "year_end": "2022-03-31", "decided": 9, "cumulative_registered": 11,
     "active_total": 11, "active_in_city": 6, "target": None, "progress": None},
    {"fiscal_year": 2022, "year_end": "2023-03-31", "decided": 0, "cumulative_registered": 11,
     "active_total": 10, "active_in_city": 6, "target": None, "progress": None},
    {"fiscal_year": 2023, "year_end": "2024-03-31", "decided": 0, "cumulative_registered": 11,
     "active_total": 7, "active_in_city": 4, "target": 850, "progress": 0.0047},
]


def row(number: int, place: tuple[str, str], industry: str, goals: str) -> dict[str, str]:
    postal_code, address = place
    return {"corporate_number": "", "name": f"テスト協議会{number}", "name_kana": "テストキョウギカイ",
            "kind": "group", "postal_code": postal_code, "address": address, "industry": industry, "goals": goals}




def staff_client(app, user_id: int, english: bool = True):
    client = app.test_client()
    login(client, user_id)
    if english:
        assert client.get("/?lang=en").status_code == 200
    return client


