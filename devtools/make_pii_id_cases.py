"""Generate the identifier PII fixture (run: python -m devtools.make_pii_id_cases).

National identity numbers and employee numbers in English, French and Arabic helpdesk tickets,
built here with each format's structure and checksum (French NIR key, Luhn for the Emirates ID
and the Saudi ID/iqama, the Egyptian birth-date layout, valid SSN areas and NINO prefixes), plus
tickets full of decoys that must survive: ticket, PO, invoice and project numbers, versions,
asset tags, error codes, dates and prices, some right after words like "number" or "ID".

Two splits with nothing shared but the value generators: "dev" templates, which the recognisers
in agent/pii/ids.py were written against, and "dev2" templates written before any score was
looked at, with other scenarios, word order, cue phrasing and registers. "dev2" was held out
until 2026-12-03 and is tuned on since; the held-out estimate is data/pii/holdout/ (hand-written).
Organisation-format staff numbers use `ST-\\d{5}` (the setting the tests and bench.pii pass).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from devtools.make_pii_cases import render, write_cases

SEED = 20261202
OUT = Path(__file__).resolve().parents[1] / "data" / "pii" / "pii_id_cases.jsonl"
rng = random.Random(SEED)
EASTERN = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _d(n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def nir() -> str:
    sex = rng.choice("12")
    yy, mm = f"{rng.randint(50, 99):02d}", f"{rng.randint(1, 12):02d}"
    dept = rng.choice([f"{rng.randint(1, 95):02d}", "2A", "2B", "75", "69", "13"])
    commune, order = f"{rng.randint(1, 999):03d}", f"{rng.randint(1, 999):03d}"
    body = sex + yy + mm + dept + commune + order
    key = 97 - int(body.replace("2A", "19").replace("2B", "18")) % 97
    parts = [sex, yy, mm, dept, commune, order, f"{key:02d}"]
    return rng.choice([" ".join(parts), "".join(parts), " ".join(parts[:-1]) + " " + parts[-1]])


def nino() -> str:
    first = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in ("BG", "GB", "NK", "KN", "NT", "TN", "ZZ"):
        second = "A"
    digits = _d(6)
    suffix = rng.choice("ABCD")
    if rng.random() < 0.5:
        return f"{first}{second} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{first}{second}{digits}{suffix}"


def ssn(dashes: bool = True) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    value = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    return f"{value[:3]}-{value[3:5]}-{value[5:]}" if dashes else value


def emirates() -> str:
    body = "784" + str(rng.randint(1960, 2005)) + _d(7)
    n = body + _luhn_digit(body)
    return rng.choice([f"{n[:3]}-{n[3:7]}-{n[7:14]}-{n[14]}", n])


def saudi() -> str:
    body = rng.choice("12") + _d(8)
    return body + _luhn_digit(body)


def egypt() -> str:
    century = rng.choice("23")
    yy = f"{rng.randint(50, 99) if century == '2' else rng.randint(0, 6):02d}"
    gov = rng.choice(["01", "02", "03", "12", "13", "21", "24", "27", "88"])
    return f"{century}{yy}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{gov}{_d(5)}"


def ma_cin() -> str:
    return rng.choice(["A", "B", "BE", "BK", "C", "CD", "D", "EE", "J", "JA", "K", "X"]) + _d(
        rng.choice([5, 6])
    )


def tn_cin() -> str:
    return rng.choice("01") + _d(7)


def dz_nin() -> str:
    return "1" + _d(17)


def national(lang: str) -> str:
    pool: dict[str, list[Callable[[], str]]] = {
        "en": [nino, nino, ssn, ssn, emirates, saudi, egypt],
        "fr": [nir, nir, nir, ma_cin, ma_cin, tn_cin, dz_nin],
        "ar": [saudi, saudi, emirates, egypt, egypt, ma_cin, tn_cin, dz_nin],
    }
    value = rng.choice(pool[lang])()
    if lang == "ar" and value.isdigit() and rng.random() < 0.25:
        value = value.translate(EASTERN)
    return value


def employee(lang: str) -> str:
    return rng.choice(
        [
            _d(rng.choice([4, 5, 6])),
            "E" + _d(5),
            "EMP-" + _d(5),
            "M" + _d(6),
            "ST-" + _d(5),
            "A" + _d(4),
        ]
    )


def organisation(lang: str) -> str:
    return "ST-" + _d(5)


PII: dict[str, tuple[str, Callable[[str], str]]] = {
    "nid": ("NATIONAL_ID", national),
    "nir": ("NATIONAL_ID", lambda _: nir()),
    "nino": ("NATIONAL_ID", lambda _: nino()),
    "ssn": ("NATIONAL_ID", lambda _: ssn()),
    "ssn_plain": ("NATIONAL_ID", lambda _: ssn(dashes=False)),
    "emirates": ("NATIONAL_ID", lambda _: emirates()),
    "egypt": ("NATIONAL_ID", lambda _: egypt()),
    "saudi": ("NATIONAL_ID", lambda _: saudi()),
    "cin": ("NATIONAL_ID", lambda _: ma_cin()),
    "emp": ("EMPLOYEE_ID", employee),
    "org": ("EMPLOYEE_ID", organisation),
}
FILLERS: dict[str, Callable[[str], str]] = {
    "ticket": lambda _: rng.choice(["INC", "REQ", "RITM", "CHG"]) + _d(7),
    "po": lambda _: "PO-" + rng.choice(["45", "48"]) + _d(8),
    "invoice": lambda _: rng.choice(["INV-2025-", "FAC-", "F"]) + _d(rng.choice([5, 6, 8])),
    "project": lambda _: rng.choice(["PRJ-", "P"]) + _d(rng.choice([4, 6])),
    "version": lambda _: f"{rng.randint(1, 16)}.{rng.randint(0, 9)}.{rng.randint(0, 20000)}",
    "asset": lambda _: rng.choice(["PC-", "LT-", "ASSET-"]) + _d(rng.choice([6, 8])),
    "err": lambda _: rng.choice(["0x80070005", "0x800CCC0E", "E1603", "403", "CAA50021"]),
    "date": lambda _: rng.choice(
        [f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", f"{rng.randint(1, 28)}/11/2025"]
    ),
    "price": lambda _: rng.choice(
        [f"{rng.randint(100, 9999)},{_d(2)} €", f"${rng.randint(10, 999)}"]
    ),
    "order": lambda _: _d(rng.choice([9, 10, 12])),
    "kb": lambda _: f"KB{rng.randint(5000000, 5049999)}",
}

DEV = {
    "en": [
        "HR portal rejects my national ID {nid} when I update my profile. Ticket {ticket}.",
        "Please correct my employee number in Workday, it should be {emp} not {emp}.",
        "Payroll needs my SSN {ssn} on the tax form but the field is greyed out since {version}.",
        "My NI number is {nino} and the pension page says it is invalid.",
        "New laptop for staff ID {emp}, asset {asset}, order {po}.",
        "Badge printer fails for employee no. {emp}; error {err}.",
        "Visa renewal: my Emirates ID {emirates} is not accepted by the travel tool.",
        "The expense app asks for my ID number {nid} again after the update on {date}.",
        "Access to the HR share for {org}, approved by her manager.",
        "Iqama {saudi} expired in the system although it was renewed on {date}.",
    ],
    "fr": [
        "Le portail RH refuse mon numéro de sécurité sociale {nir}. Ticket {ticket}.",
        "Merci de corriger mon matricule {emp} dans SAP, la fiche de paie est fausse.",
        "Ma CIN {cin} est rejetée par le formulaire de mutuelle depuis la version {version}.",
        "Nouvel ordinateur pour le matricule {emp}, étiquette {asset}, commande {po}.",
        "Le badge du salarié n° {emp} ne fonctionne plus, erreur {err}.",
        "Mon numéro de carte d'identité {nid} n'est pas accepté par l'outil de voyage.",
        "La fiche de {org} doit être mise à jour dans le SIRH avant le {date}.",
        "Mon NIR {nir} apparaît deux fois dans le dossier, facture {invoice}.",
        "Numéro d'employé {emp} : impossible de valider mes congés dans Workday.",
        "Carte nationale {cin} : le scan n'est pas lisible dans la GED.",
    ],
    "ar": [
        "بوابة الموارد البشرية ترفض رقم الهوية {nid}. رقم التذكرة {ticket}.",
        "يرجى تصحيح الرقم الوظيفي {emp} في نظام الرواتب.",
        "رقم الإقامة {saudi} يظهر منتهيا رغم التجديد بتاريخ {date}.",
        "جهاز جديد للموظف رقم الموظف {emp}، رقم الأصل {asset}، الطلب {po}.",
        "بطاقة الهوية الوطنية {nid} غير مقبولة في نظام السفر منذ الإصدار {version}.",
        "رقمي الوظيفي {emp} لا يعمل في بوابة الإجازات، الخطأ {err}.",
        "الرقم القومي {egypt} مسجل خطأ في ملف التأمين، الفاتورة {invoice}.",
        "يرجى تحديث بيانات {org} في نظام الموارد البشرية قبل {date}.",
        "هويتي الإماراتية رقم {emirates} لا تقبل في التطبيق.",
        "رقم البطاقة الوطنية {cin} لا يظهر في ملفي.",
    ],
}
HELDOUT = {
    "en": [
        "Hi, onboarding form keeps bouncing. It wants my social security number ({ssn_plain}) "
        "in a format it never explains.",
        "I'm {emp} on the staff list (employee ref) and can't see my payslips since {date}.",
        "Travel booking: passport fine, but the national identity number {nid} gives {err}.",
        "Can HR fix my record? NINO {nino}, started {date}, contract {project}.",
        "Colleague {org} needs the finance drive, same as me.",
        "the benefits site says 'identity card number not valid' for {nid} - any idea??",
        "Employee ID: {emp}\nIssue: VPN token not synced\nDevice: {asset}",
        "Uploading my Egyptian ID {egypt} to the visa portal fails at 99%.",
        "Our Dubai office: staff member with Emirates ID {emirates} cannot log in to Concur.",
        "Please merge my two HR profiles, the right one has payroll number {emp}.",
    ],
    "fr": [
        "Bonjour, le formulaire d'embauche bloque sur le n° de sécu ({nir}), il dit format "
        "invalide.",
        "Je suis le salarié matricule {emp} et je ne vois plus mes bulletins depuis le {date}.",
        "Réservation voyage : la pièce d'identité {nid} renvoie l'erreur {err}.",
        "Pouvez-vous corriger ma fiche ? numéro INSEE {nir}, projet {project}.",
        "Ma collègue {org} a besoin du même accès au partage finance que moi.",
        "le site mutuelle dit « CIN invalide » pour {cin}, une idée ??",
        "Matricule : {emp}\nProblème : jeton VPN désynchronisé\nPoste : {asset}",
        "Le téléversement de ma carte d'identité n° {cin} échoue sur le portail.",
        "Merci de fusionner mes deux dossiers RH, le bon porte le numéro d'agent {emp}.",
        "Identifiant national {nid} refusé par l'appli de notes de frais, commande {po}.",
    ],
    "ar": [
        "السلام عليكم، نموذج التعيين يرفض رقم هويتي الوطنية {nid} بدون توضيح.",
        "أنا الموظف صاحب الرقم الوظيفي {emp} ولا أرى كشوف الراتب منذ {date}.",
        "حجز السفر: رقم بطاقة الهوية {nid} يعطي الخطأ {err}.",
        "ممكن تصحيح ملفي؟ رقم الإقامة {saudi}، المشروع {project}.",
        "زميلتي {org} تحتاج نفس صلاحية مجلد المالية.",
        "موقع التأمين يقول الرقم القومي غير صحيح {egypt}، ما الحل؟",
        "رقم الموظف: {emp}\nالمشكلة: رمز VPN غير متزامن\nالجهاز: {asset}",
        "رفع صورة بطاقة التعريف الوطنية رقم {cin} يفشل في البوابة.",
        "يرجى دمج ملفي الموارد البشرية، الصحيح رقمه الوظيفي {emp}.",
        "الهوية الإماراتية {emirates} مرفوضة في تطبيق المصاريف، الطلب {po}.",
    ],
}
# Decoys only: numbers right after "number", "ID", "n°", "رقم" that are not personal data.
NO_PII = {
    "en": [
        "Invoice number {invoice} for order {order} was paid twice, {price} each.",
        "Project ID {project} is missing from the timesheet tool since {version}.",
        "Ticket ID {ticket}: asset number {asset} has error {err}.",
        "Order ID {order} for {kb} licences, PO {po}, due {date}.",
    ],
    "fr": [
        "La facture n° {invoice} de la commande {order} a été payée deux fois, {price}.",
        "Le numéro de projet {project} n'apparaît plus depuis la version {version}.",
        "Ticket {ticket} : le poste numéro {asset} affiche l'erreur {err}.",
        "Commande numéro {order}, bon {po}, échéance le {date}.",
    ],
    "ar": [
        "الفاتورة رقم {invoice} للطلب {order} دفعت مرتين بمبلغ {price}.",
        "رقم المشروع {project} غير موجود في نظام الدوام منذ الإصدار {version}.",
        "التذكرة رقم {ticket}: الجهاز رقم {asset} يعرض الخطأ {err}.",
        "رقم الطلب {order}، أمر الشراء {po}، الاستحقاق {date}.",
    ],
}
NO_PII_HELDOUT = {
    "en": [
        "Quote ref {invoice}: the supplier wants {price} more than PO {po} says.",
        "Build {version} breaks project {project}; see incident {ticket}, error {err}.",
        "Laptop {asset} (order no. {order}) still shows {kb} as pending since {date}.",
        "Reference number {order} on the courier slip, delivered {date}.",
    ],
    "fr": [
        "Devis réf. {invoice} : le fournisseur demande {price} de plus que le bon {po}.",
        "La version {version} casse le projet {project}, incident {ticket}, erreur {err}.",
        "Le PC {asset} (commande n° {order}) attend toujours {kb} depuis le {date}.",
        "Numéro de suivi {order} sur le bordereau, livré le {date}.",
    ],
    "ar": [
        "عرض السعر {invoice}: المورد يطلب {price} زيادة على أمر الشراء {po}.",
        "الإصدار {version} يعطل المشروع {project}، الحادثة {ticket}، الخطأ {err}.",
        "الجهاز {asset} (الطلب رقم {order}) ما زال ينتظر {kb} منذ {date}.",
        "رقم الشحنة {order} على إيصال التوصيل، وصل بتاريخ {date}.",
    ],
}
PER_LANGUAGE = {"dev": 40, "dev2": 60}


def main() -> None:
    cases = []
    for split, templates, decoys in (("dev", DEV, NO_PII), ("dev2", HELDOUT, NO_PII_HELDOUT)):
        for lang in ("en", "fr", "ar"):
            for i in range(PER_LANGUAGE[split]):
                # Every template at least 3 times, a decoy-only ticket every 5th.
                pool = decoys[lang] if i % 5 == 4 else templates[lang]
                case = render(pool[i % len(pool)], lang, PII, FILLERS)
                cases.append({**case, "split": split, "kind": "ids"})
    write_cases(cases, OUT)


if __name__ == "__main__":
    main()
