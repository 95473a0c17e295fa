"""docs/glossary.md names one Japanese and one English term per concept and the variants it
rejects; no translation in a catalogue uses a rejected variant."""
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
CATALOGUES = sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po"))


def glossary_terms() -> list[dict]:
    """The rows of the glossary's terms table: concept, ja, en and the rejected variants."""
    text = GLOSSARY.read_text(encoding="utf-8")
    table = text.split("## Terms", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("concept", "") or set(cells[0]) <= {"-"}:
            continue
        rows.append({"concept": cells[0], "ja": cells[1], "en": cells[2],
                     "rejected": [v.strip() for v in cells[3].split(",") if v.strip()]})
    return rows


def translations(path: Path):
    with path.open("rb") as f:
        catalog = read_po(f)
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        for string in strings:
            if string:
                yield (message.id if isinstance(message.id, str) else message.id[0]), string


def test_the_glossary_names_each_concept_once_in_each_language():
    rows = glossary_terms()
    assert len(rows) >= 25
    for language in ("ja", "en"):
        terms = [row[language] for row in rows]
        assert all(terms), f"a concept without a {language} term"
    concepts = [row["concept"] for row in rows]
    assert len(concepts) == len(set(concepts))
    for required in ("申請", "登録", "登録証", "登録番号", "登録期間", "更新", "変更届", "辞退", "取消し", "期", "審査",
                     "修正依頼", "事業者", "重点的な取組", "2030年のあるべき姿", "支援機関", "伴走支援", "セミナー"):
        assert required in {row["ja"] for row in rows}, required
    rejected = [variant for row in rows for variant in row["rejected"]]
    for row in rows:
        assert row["ja"] not in rejected, f"{row['ja']} is both the term and a rejected variant"


def test_no_catalogue_uses_a_variant_the_glossary_rejects():
    rejected = {variant: row["ja"] for row in glossary_terms() for variant in row["rejected"]}
    assert rejected and CATALOGUES
    found = []
    for path in CATALOGUES:
        for msgid, string in translations(path):
            found.extend(f"{path.parent.parent.name}: 「{variant}」 (say 「{term}」) in {msgid!r}"
                         for variant, term in rejected.items() if variant in string)
    assert not found, "\n".join(found)
