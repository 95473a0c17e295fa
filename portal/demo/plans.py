"""2030 visions and key actions for demo organisations, written for each one's industry, size and
place from per-industry phrase banks — so that no two demo registrants read alike.

`PlanWriter.plan(...)` returns {"vision": str, "actions": [economy, society, environment]} in the
application's format; a writer remembers what it wrote (and what the database holds already) and
never writes the same vision or the same set of key actions twice. Deterministic for a given
organisation (seeded by its name), so a rerun of the demo would write the same plans.
"""
from __future__ import annotations

import random
import re

# What an organisation of each industry (日本標準産業分類) aims at by 2030: "{place}の…" clauses.
AIMS = {
    "A": ("土と水を守る農業で、安全でおいしい農産物を届け続ける農場になります",
          "農地と里山の恵みを生かし、若い担い手が育つ農業を続けます",
          "環境にやさしい栽培と加工で、農産物の価値を地域の所得につなげます"),
    "D": ("災害に強く、環境に配慮したまちづくりを技術で支える建設会社になります",
          "地域のインフラを守り、次の世代の技術者が誇りを持てる現場をつくります",
          "省エネルギーの建物と緑のある街並みを、地域の皆さんと一緒につくります"),
    "E": ("地下水と地域の資源を大切にするものづくりで、世界に選ばれる製品を送り出します",
          "省エネルギーと資源循環を徹底した工場で、地域の雇用を支え続けます",
          "県産素材を生かした製品づくりで、地域の産業と暮らしを豊かにします"),
    "F": ("再生可能エネルギーを地域でつくり、地域で使う仕組みを広げます",
          "災害時にも電気と熱が途切れない、強くしなやかな地域をエネルギーで支えます",
          "家庭と事業所の脱炭素化を、身近な相談相手として後押しします"),
    "G": ("デジタル技術で地域の中小企業と行政の仕事を軽やかにします",
          "誰もが使いやすい情報サービスで、地域の暮らしの不便を減らします",
          "ITの力で新しい働き方を広げ、若者が地元で活躍できる場をつくります"),
    "H": ("物流の脱炭素化と働き方改革で、地域の暮らしと産業を運び続けます",
          "共同配送と効率的な運行で、中山間地域にも確実に物を届けます",
          "安全で環境にやさしい輸送で、県内の事業者の販路を広げます"),
    "I": ("県産品の販路を広げ、生産者と消費者をつなぐ商社であり続けます",
          "地域の商店と生産者を結び、食品ロスの少ない流通をつくります",
          "地元で愛される店づくりで、買い物を通じて地域の循環を支えます"),
    "J": ("地域の事業者の挑戦を資金と知恵で支え、持続可能な経済を育てます",
          "事業承継と創業を後押しし、地域の仕事を次の世代へつなぎます",
          "環境や社会に配慮した事業への支援を広げ、地域の未来に投資します"),
    "K": ("空き家や遊休地を生かし、人が集まり住み続けられるまちをつくります",
          "省エネルギーで災害に強い住まいを、地域の皆さんに届けます",
          "誰もが安心して暮らせる住まい探しを支え、まちのにぎわいを取り戻します"),
    "L": ("専門の技術と知識で、地域の課題解決と環境保全を支えます",
          "デザインの力で、地域の事業者の魅力と取組を分かりやすく伝えます",
          "調査と設計を通じて、自然と共生する地域づくりに貢献します"),
    "M": ("地域の自然と文化を生かした観光で、訪れる人と暮らす人がともに豊かになる地域をつくります",
          "食と宿のもてなしで熊本の魅力を伝え、地域の生産者とともに成長します",
          "環境に配慮した体験型の旅で、地域の宝を次の世代に引き継ぎます"),
    "N": ("暮らしに寄り添うサービスで、地域の人の毎日を快適にします",
          "環境負荷の少ないサービスで、地域の暮らしと健康を支えます",
          "地域の人が気軽に集い、つながる場を提供し続けます"),
    "O": ("学びの場を通じて、地域の未来を担う人を育てます",
          "誰一人取り残さない教育で、子どもたちの可能性を広げます",
          "地域と連携した学びで、ふるさとを愛し世界で活躍できる人材を育てます"),
    "P": ("誰もが住み慣れた地域で安心して暮らし続けられるよう、医療と福祉で支えます",
          "働く人が誇りを持てる職場で、利用者一人ひとりに寄り添うケアを届けます",
          "地域の医療・介護・福祉をつなぎ、健康で長く暮らせるまちを支えます"),
    "R": ("資源を循環させ、ごみの少ない地域づくりを住民とともに進めます",
          "地域の課題に向き合う活動で、支え合いの輪を広げます",
          "環境保全と地域福祉の両面から、暮らしやすい地域を支えます"),
}
DEFAULT_AIMS = ("地域に根ざした事業で、環境と暮らしの両方を大切にする組織であり続けます",
                "地域の皆さんとともに、持続可能なまちづくりに取り組みます",
                "働く人と地域に選ばれる組織として、熊本の未来に貢献します")

# The second sentence, by size: a family business, a small one, a larger one, a group.
CLOSINGS = {
    "family": ("家族と地域の仲間とともに、無理なく続けられる取組を一つずつ形にします。",
               "小さな事業所だからこそできる、顔の見える取組を積み重ねます。",
               "身近なお客様の声を生かし、できることから着実に進めます。",
               "地域の同業者とも手を携え、取組の輪を広げます。"),
    "small": ("社員一人ひとりが自分の仕事とSDGsのつながりを語れる会社を目指します。",
              "社員とその家族が誇れる会社として、地域に必要とされ続けます。",
              "取引先や地域の皆さんと力を合わせ、取組の成果を見える形で発信します。",
              "若手からベテランまでが知恵を出し合い、取組を事業の強みに育てます。"),
    "large": ("全ての事業所で目標を共有し、取組の成果を毎年公表します。",
              "サプライチェーン全体で取組を進め、県内の取引先の挑戦も後押しします。",
              "多様な人材が活躍できる職場づくりを、取組の土台に据えます。",
              "地域の雇用と技術を守る責任を自覚し、取組を経営の中心に置きます。"),
    "group": ("会員と地域住民が力を合わせ、活動の輪を次の世代へ広げます。",
              "行政や企業とも連携し、地域の課題に粘り強く向き合います。",
              "誰もが参加しやすい活動を通じて、地域のつながりを深めます。",
              "活動の成果を地域に分かりやすく伝え、共感の輪を広げます。"),
}

# Key actions by area: (description, goals, targets, indicator, unit, baseline range, 2030 factor).
# A factor above 1 raises the value by 2030, below 1 lowers it.
ECONOMY = {
    "A": (("規格外の農産物を加工品にして販路を広げる。", [2, 12], ["2.3", "12.3"], "加工品の売上", "万円", (50, 400), 3.0),
          ("直売所とネット販売で県内外の固定客を増やす。", [2, 8], ["2.3", "8.2"], "直接販売の顧客数", "人", (80, 600), 2.5)),
    "D": (("県内の資材と協力会社の活用を増やし、地域経済の循環を高める。", [8, 9], ["8.3", "9.1"], "県内調達比率", "%", (40, 65), 1.3),
          ("ICT施工を導入し、工期の短縮と生産性の向上を図る。", [8, 9], ["8.2", "9.4"], "ICT施工の現場数", "件", (1, 6), 4.0)),
    "E": (("県産原料の使用を増やし、地域の生産者との取引を広げる。", [8, 12], ["8.3", "12.2"], "県産原料の比率", "%", (20, 50), 1.6),
          ("新製品の開発と海外展開で、地域の雇用を守る。", [8, 9], ["8.2", "9.2"], "新製品の数", "件", (1, 5), 4.0)),
    "F": (("地域の住宅と事業所に太陽光発電と蓄電池を広める。", [7, 11], ["7.2", "11.6"], "設置件数（累計）", "件", (30, 300), 3.0),
          ("地域の事業者と組み、地産地消の電力を供給する。", [7, 17], ["7.1", "17.17"], "供給先の事業所数", "所", (5, 40), 4.0)),
    "G": (("県内中小企業のデジタル化を支援する。", [8, 9], ["8.2", "9.c"], "支援企業数", "社", (10, 80), 3.0),
          ("行政手続のオンライン化を自治体と進める。", [9, 16], ["9.c", "16.6"], "オンライン化した手続数", "件", (3, 20), 4.0)),
    "H": (("県産品の共同配送網を広げ、参加事業者を増やす。", [9, 17], ["9.1", "17.17"], "共同配送の参加事業者数", "社", (3, 20), 3.0),
          ("積載率を高める運行管理で、輸送の効率を上げる。", [9, 12], ["9.4", "12.2"], "平均積載率", "%", (50, 65), 1.3)),
    "I": (("県産品の取扱いを増やし、生産者の販路を広げる。", [8, 12], ["8.3", "12.2"], "県産品の取扱品目数", "品目", (40, 300), 2.0),
          ("地元の小規模な生産者との新規取引を増やす。", [2, 8], ["2.3", "8.3"], "新規取引先数", "社", (3, 15), 3.0)),
    "J": (("環境や社会に配慮した事業への融資・保証を増やす。", [8, 13], ["8.3", "13.2"], "対象となる融資・保証の件数", "件", (20, 150), 3.0),
          ("事業承継の相談と支援を増やす。", [8, 17], ["8.3", "17.17"], "事業承継の支援件数", "件", (10, 60), 3.0)),
    "K": (("空き家の改修と賃貸で、まちなかの居住者を増やす。", [11, 12], ["11.1", "11.3"], "再生した空き家の数", "戸", (2, 15), 4.0),
          ("省エネ性能の高い住まいの仲介と販売を増やす。", [7, 11], ["7.3", "11.1"], "省エネ住宅の取扱件数", "件", (10, 60), 3.0)),
    "L": (("地域の事業者の情報発信と販路開拓を支援する。", [8, 17], ["8.3", "17.17"], "支援した事業者数", "社", (5, 40), 3.0),
          ("環境調査と保全計画の受託を広げる。", [14, 15], ["14.2", "15.1"], "受託件数", "件", (3, 20), 3.0)),
    "M": (("地域の事業者と連携した体験型の旅行商品を増やす。", [8, 17], ["8.9", "17.17"], "体験プログラムの数", "件", (3, 15), 3.0),
          ("県産食材を使った料理とお土産を増やす。", [2, 8], ["2.3", "8.9"], "県産食材の使用比率", "%", (30, 60), 1.4)),
    "N": (("地域の高齢者向けの出張サービスを広げる。", [3, 11], ["3.8", "11.2"], "出張サービスの利用件数", "件", (50, 300), 2.5),
          ("地元の事業者と連携した新しいサービスを始める。", [8, 17], ["8.3", "17.17"], "連携先の事業者数", "社", (2, 10), 3.0)),
    "O": (("地域企業と連携した職業体験とインターンシップを増やす。", [4, 8], ["4.4", "8.6"], "連携企業数", "社", (5, 30), 3.0),
          ("社会人向けの学び直し講座を開く。", [4, 8], ["4.3", "8.5"], "受講者数", "人", (20, 150), 3.0)),
    "P": (("地域の高齢者の見守りと生活支援を事業化する。", [3, 11], ["3.8", "11.7"], "利用世帯数", "世帯", (30, 200), 2.5),
          ("医療・介護の事業所と情報を共有し、連携を強める。", [3, 17], ["3.8", "17.17"], "連携事業所数", "所", (5, 25), 2.5)),
    "R": (("回収した資源の再生品を地域で販売する。", [12, 8], ["12.5", "8.3"], "再生品の販売量", "t", (5, 60), 2.5),
          ("地域の団体と協働する事業を増やす。", [11, 17], ["11.3", "17.17"], "協働事業の数", "件", (2, 10), 3.0)),
}
SOCIETY = {
    "any": (("女性管理職の登用を進め、育児・介護と両立できる働き方を広げる。", [5, 8], ["5.5", "8.5"], "女性管理職比率", "%", (5, 20), 2.5),
            ("年次有給休暇の取得を促し、働きやすい職場をつくる。", [3, 8], ["3.4", "8.5"], "有給休暇の取得率", "%", (40, 65), 1.4),
            ("障がいのある方の雇用と職場定着を進める。", [8, 10], ["8.5", "10.2"], "障がいのある従業員数", "人", (1, 4), 2.5),
            ("資格取得と研修の費用を支援し、従業員の技能を高める。", [4, 8], ["4.4", "8.5"], "資格取得者数（累計）", "人", (3, 20), 3.0),
            ("地域の小中学校で出前授業を行う。", [4, 11], ["4.7", "11.3"], "出前授業の回数", "回", (1, 5), 4.0),
            ("高齢者と外国人材が働きやすい職場づくりを進める。", [8, 10], ["8.5", "10.2"], "60歳以上・外国人の従業員数", "人", (2, 10), 2.0)),
    "family": (("地域の行事や清掃活動に家族で参加し、地域のつながりを支える。", [11, 17], ["11.3", "17.17"], "参加した地域活動の数", "回", (2, 8), 2.5),
               ("農業体験や工房見学で、子どもたちに仕事の魅力を伝える。", [4, 8], ["4.7", "8.6"], "受け入れた子どもの数", "人", (10, 60), 3.0)),
    "group": (("活動に参加する会員と若い世代を増やす。", [11, 17], ["11.3", "17.17"], "会員数", "人", (15, 80), 2.0),
              ("子どもや高齢者の居場所づくりを広げる。", [1, 10], ["1.4", "10.2"], "居場所の開設回数", "回", (12, 48), 2.0)),
}
ENVIRONMENT = {
    "any": (("事業所の電力を再生可能エネルギーに切り替え、CO2排出量を削減する。", [7, 13], ["7.2", "13.3"], "CO2排出量", "t", (20, 400), 0.5),
            ("照明と空調の省エネ化で電力使用量を減らす。", [7, 13], ["7.3", "13.3"], "電力使用量", "MWh", (20, 300), 0.7),
            ("事業所の廃棄物を分別し、リサイクル率を高める。", [12, 11], ["12.5", "11.6"], "リサイクル率", "%", (30, 60), 1.5),
            ("社用車を電気自動車やハイブリッド車に切り替える。", [7, 13], ["7.2", "13.2"], "低公害車の比率", "%", (5, 30), 3.0),
            ("ペーパーレス化を進め、紙の使用量を減らす。", [12, 15], ["12.2", "15.2"], "紙の使用量", "枚", (10000, 80000), 0.4)),
    "A": (("化学肥料を減らし、堆肥を使った土づくりを進める。", [2, 15], ["2.4", "15.3"], "化学肥料の使用量", "kg", (300, 1500), 0.5),
          ("農業用水を節約し、地下水の涵養に協力する。", [6, 15], ["6.4", "15.1"], "冬期湛水の面積", "a", (10, 80), 2.5)),
    "D": (("建設副産物の再資源化を進める。", [12, 9], ["12.5", "9.4"], "再資源化率", "%", (70, 90), 1.1),),
    "E": (("工場の水使用量を減らし、雨水浸透ますで地下水を涵養する。", [6, 15], ["6.4", "6.6"], "水使用量", "m3", (3000, 30000), 0.6),
          ("製造工程の端材と廃プラスチックを減らす。", [12, 14], ["12.5", "14.1"], "産業廃棄物の量", "t", (10, 200), 0.6)),
    "H": (("エコドライブと低燃費車両への更新で燃料使用量を減らす。", [7, 13], ["7.3", "13.2"], "軽油使用量", "kL", (30, 300), 0.7),),
    "I": (("食品ロスを減らし、フードバンクへの寄付を進める。", [2, 12], ["2.1", "12.3"], "食品廃棄量", "kg", (500, 5000), 0.5),
          ("レジ袋と過剰包装を減らす。", [12, 14], ["12.5", "14.1"], "プラスチック包装の使用量", "kg", (200, 2000), 0.5)),
    "M": (("宿泊施設の使い捨てアメニティを減らす。", [12, 14], ["12.5", "14.1"], "使い捨てアメニティの配布数", "個", (5000, 40000), 0.3),
          ("海岸と山の清掃活動を観光客とともに行う。", [14, 15], ["14.1", "15.1"], "清掃活動の回数", "回", (2, 8), 3.0)),
    "R": (("地域の資源回収を広げ、ごみの減量に取り組む。", [11, 12], ["11.6", "12.5"], "資源回収量", "t", (20, 200), 2.0),),
}

_PLACE = re.compile(r"^(?:熊本県)?(熊本市.{1,2}区|.{1,4}?郡.{1,4}?[町村]|.{1,4}?市|.{1,4}?[町村])")


def place_of(address: str) -> str:
    """The municipality an address is in (熊本市東区, 菊陽町, 八代市), for the vision's 「…の」."""
    match = _PLACE.match((address or "").strip())
    if not match:
        return "熊本"
    place = match.group(1)
    return place.split("郡", 1)[1] if "郡" in place else place


def size_of(kind: str, employees: int | None) -> str:
    if kind == "group":
        return "group"
    if kind == "sole_proprietor" or (employees is not None and employees < 5):
        return "family"
    if employees is not None and employees >= 50:
        return "large"
    return "small"


def _round(value: float, unit: str) -> int:
    if unit == "%":
        return max(1, min(100, round(value)))
    step = 1000 if value >= 10000 else 100 if value >= 1000 else 10 if value >= 200 else 1
    return max(1, int(round(value / step) * step))


class PlanWriter:
    def __init__(self, visions: set[str] | None = None, action_sets: set[tuple] | None = None) -> None:
        self.visions = set(visions or ())
        self.action_sets = set(action_sets or ())

    @classmethod
    def from_database(cls) -> "PlanWriter":
        """A writer that knows every vision and action set the database holds already."""
        from sqlalchemy import select

        from portal.applications.models import Application
        from portal.core.extensions import db

        writer = cls()
        for content in db.session.scalars(select(Application.content)):
            if isinstance(content, dict):
                writer.remember(content)
        return writer

    def remember(self, content: dict) -> None:
        if content.get("vision"):
            self.visions.add(content["vision"])
        if content.get("actions"):
            self.action_sets.add(_signature(content["actions"]))

    def plan(self, name: str, industry: str | None, address: str, kind: str = "corporation",
             employees: int | None = None) -> dict:
        """{"vision", "actions"} for one organisation, unlike any written before."""
        rng = random.Random(f"{name}|{industry}|{address}")
        size = size_of(kind, employees)
        place = place_of(address)
        aims = list(AIMS.get(industry or "", DEFAULT_AIMS))
        closings = list(CLOSINGS[size])
        rng.shuffle(aims)
        rng.shuffle(closings)
        vision = None
        for aim in aims:
            for closing in closings:
                candidate = f"2030年、{place}で{aim}。{closing}"
                if candidate not in self.visions:
                    vision = candidate
                    break
            if vision:
                break
        if vision is None:  # every combination taken: name the organisation itself
            vision = f"2030年、{name}は{place}で{aims[0]}。{closings[0]}"
        self.visions.add(vision)

        economy = list(ECONOMY.get(industry or "", ECONOMY["I"]))
        society = list(SOCIETY.get(size, ())) + list(SOCIETY["any"])
        environment = list(ENVIRONMENT.get(industry or "", ())) + list(ENVIRONMENT["any"])
        for _attempt in range(50):
            actions = [_action("economy", rng.choice(economy), rng, size),
                       _action("society", rng.choice(society), rng, size),
                       _action("environment", rng.choice(environment), rng, size)]
            if _signature(actions) not in self.action_sets:
                break
        self.action_sets.add(_signature(actions))
        return {"vision": vision, "actions": actions}


def _action(area: str, entry: tuple, rng: random.Random, size: str) -> dict:
    description, goals, targets, indicator, unit, (low, high), factor = entry
    scale = {"family": 0.3, "small": 0.7, "large": 1.6, "group": 0.6}[size] if unit not in ("%",) else 1
    current = _round(rng.uniform(low, high) * scale, unit)
    target = _round(current * factor * rng.uniform(0.9, 1.15), unit)
    if target == current:
        target = current + (1 if factor > 1 else -1) if current > 1 else current + 1
    return {"area": area, "description": description, "goals": sorted(goals),
            "targets": sorted(targets, key=lambda t: [int(p) if p.isdigit() else 99 for p in t.split(".")]),
            "indicator": indicator, "unit": unit, "current_value": str(current), "target_value": str(target)}


def _signature(actions: list[dict]) -> tuple:
    return tuple((a.get("area"), a.get("description"), a.get("current_value"), a.get("target_value"))
                 for a in actions if isinstance(a, dict))
