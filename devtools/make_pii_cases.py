"""Generate the labelled PII set data/pii/pii_cases.jsonl (run: python -m devtools.make_pii_cases).

Helpdesk-ticket templates written for this project in English, French and Arabic, filled with
Faker values (fixed seed) and with phone numbers and IBANs built here from the national numbering
plans (allocated mobile and city ranges) and the ISO 13616 checksum, because Faker's phone
formats for several locales use ranges no
real subscriber has (en_US area codes, extensions; ar_SA falls back to US numbers) and it has no
Moroccan, Algerian, Tunisian, Egyptian, Saudi or Emirati IBANs. Every case records the exact
character span of each PII value it inserted; the non-PII fillers (versions, ticket numbers, dates,
MAC addresses, order numbers, plain URLs...) are there to catch false positives.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

from faker import Faker

SEED = 20261125
PER_LANGUAGE = 220
OUT = Path(__file__).resolve().parents[1] / "data" / "pii" / "pii_cases.jsonl"

rng = random.Random(SEED)
FAKERS = {
    loc: Faker(loc)
    for loc in ("en_US", "en_GB", "fr_FR", "fr_DZ", "ar_AA", "ar_SA", "ar_PS", "ar_DZ")
}
for i, fk in enumerate(FAKERS.values()):
    fk.seed_instance(SEED + i)

# --------------------------------------------------------------------------------------------
# PII values
# --------------------------------------------------------------------------------------------


def person(lang: str) -> str:
    """First and last name (sometimes first only) from a locale that fits the language."""
    loc = {
        "en": rng.choice(["en_US", "en_GB"]),
        "fr": rng.choice(["fr_FR"] * 4 + ["fr_DZ"]),
        "ar": rng.choice(["ar_AA", "ar_SA", "ar_PS", "ar_DZ"]),
    }[lang]
    fk = FAKERS[loc]
    first, last = fk.first_name(), fk.last_name()
    if lang == "fr" and loc == "fr_FR" and rng.random() < 0.12:
        last = last.upper()  # "Jean DUPONT", common in French signatures
    return first if rng.random() < 0.15 else f"{first} {last}"


def first_name(lang: str) -> str:
    return person(lang).split(" ")[0]


def email(lang: str) -> str:
    fk = FAKERS[{"en": "en_GB", "fr": "fr_FR", "ar": "ar_DZ"}[lang]]
    return rng.choice([fk.email, fk.free_email, fk.company_email])()


def _digits(n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _group(s: str, sizes: list[int], sep: str = " ") -> str:
    out, i = [], 0
    for k in sizes:
        out.append(s[i : i + k])
        i += k
    return sep.join(p for p in out if p)


def _phone_fr() -> tuple[str, str]:
    return "33", rng.choice(["6" + rng.choice("012345678"), "7" + rng.choice("5678")]) + _digits(7)


def _phone_ma() -> tuple[str, str]:
    n = rng.choice(["61", "62", "64", "65", "66", "67", "70", "71", "76", "77", "522"])
    return "212", n + _digits(9 - len(n))


def _phone_dz() -> tuple[str, str]:
    n = rng.choice(["55", "66", "69", "77", "79"]) + _digits(7)
    if rng.random() < 0.2:
        n = rng.choice(["21", "23", "41"]) + _digits(6)
    return "213", n


def _phone_tn() -> tuple[str, str]:
    return "216", rng.choice(["2", "5", "9", "71"]) + _digits(7 if rng.random() < 0.8 else 6)


def _phone_eg() -> tuple[str, str]:
    if rng.random() < 0.8:
        return "20", rng.choice(["10", "11", "12", "15"]) + _digits(8)
    return "20", "2" + rng.choice("23") + _digits(7)


def _phone_sa() -> tuple[str, str]:
    return "966", "5" + rng.choice("0345689") + _digits(7)


def _phone_ae() -> tuple[str, str]:
    if rng.random() < 0.8:
        return "971", "5" + rng.choice("024568") + _digits(7)
    return "971", rng.choice("2346") + rng.choice("2345678") + _digits(6)


def _phone_gb() -> tuple[str, str]:
    if rng.random() < 0.6:
        n = "7" + rng.choice("123459") + _digits(8)
    else:
        n = rng.choice(["20" + rng.choice("378") + _digits(7), "161" + _digits(7)])
    return "44", n


def _phone_us() -> tuple[str, str]:
    area = rng.choice(["212", "312", "415", "646", "617", "202", "305", "713", "206", "404"])
    exch = rng.choice("23456789") + _digits(2)
    return "1", area + exch + _digits(4)


PHONE_PLANS: dict[str, Callable[[], tuple[str, str]]] = {
    "FR": _phone_fr,
    "MA": _phone_ma,
    "DZ": _phone_dz,
    "TN": _phone_tn,
    "EG": _phone_eg,
    "SA": _phone_sa,
    "AE": _phone_ae,
    "GB": _phone_gb,
    "US": _phone_us,
}
NO_TRUNK_ZERO = {"TN", "US"}  # national numbers written without a leading 0


def _national(region: str, n: str) -> str:
    if region == "US":
        return rng.choice(
            [
                f"({n[:3]}) {n[3:6]}-{n[6:]}",
                f"{n[:3]}-{n[3:6]}-{n[6:]}",
                f"{n[:3]}.{n[3:6]}.{n[6:]}",
            ]
        )
    if region == "TN":
        return rng.choice([_group(n, [2, 3, 3]), _group(n, [2, 3, 3], "."), n])
    full = "0" + n
    if region in ("FR", "MA") or (region == "DZ" and len(n) == 8):
        sizes = [2, 2, 2, 2, 2] if len(full) == 10 else [3, 2, 2, 2]
        if region == "DZ":
            sizes = [4, 2, 2, 2] if len(full) == 10 else [3, 2, 2, 2]
        return rng.choice(
            [_group(full, sizes), _group(full, sizes, "."), full, _group(full, [4, 6], "-")]
        )
    if region == "DZ":
        return rng.choice([_group(full, [4, 2, 2, 2]), full])
    if region == "EG":
        return rng.choice(
            [_group(full, [3, 4, 4]), full] if len(full) == 11 else [_group(full, [2, 4, 4])]
        )
    if region in ("SA", "AE"):
        return rng.choice([_group(full, [3, 3, 4]), full, _group(full, [3, 7], "-")])
    return rng.choice([_group(full, [5, 6]), full] if full[1] == "7" else [_group(full, [3, 4, 4])])


def _international(cc: str, region: str, n: str) -> str:
    prefix = rng.choice(["+", "+", "00"]) + cc
    if region == "US":
        return rng.choice([f"+1 {n[:3]} {n[3:6]} {n[6:]}", f"+1-{n[:3]}-{n[3:6]}-{n[6:]}"])
    if region in ("FR", "MA") and len(n) == 9:
        body = _group(n, [1, 2, 2, 2, 2])
    elif region == "GB" and rng.random() < 0.3:
        return f"+44 (0){_group(n, [4, 6]) if n[0] == '7' else _group(n, [2, 4, 4])}"
    elif region == "FR" and rng.random() < 0.2:
        return f"+33 (0){_group(n, [1, 2, 2, 2, 2])}"
    else:
        body = _group(n, [2, 3, 4] if len(n) == 9 else [2, 4, 4] if len(n) == 10 else [2, 3, 3])
    return rng.choice([f"{prefix} {body}", f"{prefix}{n}", f"{prefix} {n}"])


def phone(lang: str) -> str:
    """A valid number from one of the nine plans, national or international style."""
    regions = {
        "en": ["US", "US", "GB", "GB", "AE", "SA", "EG", "FR", "MA"],
        "fr": ["FR", "FR", "FR", "MA", "MA", "DZ", "DZ", "TN", "TN", "GB"],
        "ar": ["MA", "DZ", "TN", "EG", "EG", "SA", "SA", "AE", "AE"],
    }[lang]
    region = rng.choice(regions)
    if region == "FR" and rng.random() < 0.5:
        return FAKERS["fr_FR"].phone_number()
    cc, n = PHONE_PLANS[region]()
    if region == "TN" and len(n) != 8:
        n = (n + _digits(8))[:8]
    text = _international(cc, region, n) if rng.random() < 0.45 else _national(region, n)
    if lang == "ar" and rng.random() < 0.2:
        text = text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    return text


def _iban(cc: str, bban: str) -> str:
    num = "".join(str(int(ch, 36)) for ch in bban + cc + "00")
    return f"{cc}{98 - int(num) % 97:02d}{bban}"


IBAN_BBAN = {"MA": 24, "DZ": 22, "TN": 20, "SA": 20, "AE": 19, "EG": 25}


def iban(lang: str) -> str:
    """FR/GB from Faker; Maghreb, Egypt and Gulf built here with the right length and checksum."""
    pool = {
        "en": ["GB", "GB", "FR", "AE", "SA"],
        "fr": ["FR", "FR", "FR", "MA", "DZ", "TN"],
        "ar": ["MA", "DZ", "TN", "EG", "SA", "AE"],
    }[lang]
    cc = rng.choice(pool)
    if cc == "FR":
        code = FAKERS["fr_FR"].iban()
    elif cc == "GB":
        code = FAKERS["en_GB"].iban()
    else:
        code = _iban(cc, _digits(IBAN_BBAN[cc]))
    return (
        code if rng.random() < 0.35 else " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    )


CARD_TYPES = ["visa16", "visa16", "mastercard", "mastercard", "amex", "discover", "jcb16", "diners"]


def card(lang: str) -> str:
    """Faker card numbers (Luhn-valid), grouped the way they are printed or compact."""
    kind = rng.choice([*CARD_TYPES, "visa19"])
    n = FAKERS["en_US"].credit_card_number(card_type=kind)
    style = rng.random()
    if style < 0.35:
        return n
    sizes = [4, 6, 5] if len(n) == 15 else [4, 6, 4] if len(n) == 14 else [4] * (len(n) // 4 + 1)
    return _group(n, sizes, "-" if style > 0.8 else " ")


def ip(lang: str) -> str:
    fk = FAKERS["en_US"]
    return rng.choice([fk.ipv4_private, fk.ipv4_private, fk.ipv4_public, fk.ipv6])()


def url(lang: str) -> str:
    fk = FAKERS["en_US"]
    scheme = rng.choice(["https", "http", "ftp", "sftp", "smb"])
    host = rng.choice([fk.domain_name(), f"intranet.{fk.domain_word()}.local", fk.ipv4_private()])
    user = rng.choice([fk.user_name(), "admin", "svc_backup"])
    pwd = fk.password(length=rng.randint(8, 14), special_chars=False) + rng.choice(
        ["", "!", "$", "*"]
    )
    path = rng.choice(["", "/", "/share/docs", "/api/v1/export?format=csv", "/repo.git"])
    return f"{scheme}://{user}:{pwd}@{host}{path}"


PII: dict[str, tuple[str, Callable[[str], str]]] = {
    "person": ("PERSON", person),
    "first": ("PERSON", first_name),
    "email": ("EMAIL", email),
    "phone": ("PHONE", phone),
    "iban": ("IBAN", iban),
    "card": ("CARD", card),
    "ip": ("IP_ADDRESS", ip),
    "url": ("URL", url),
}

# --------------------------------------------------------------------------------------------
# Non-PII fillers that look like PII to a careless recogniser
# --------------------------------------------------------------------------------------------


def _pick(*options: str) -> Callable[[str], str]:
    return lambda lang: rng.choice(options)


FILLERS: dict[str, Callable[[str], str]] = {
    "version": lambda _: rng.choice(
        [
            f"10.0.{rng.randint(19041, 22631)}.{rng.randint(1000, 4000)}",
            f"16.0.{rng.randint(10000, 17999)}.{rng.randint(20000, 20999)}",
            f"{rng.randint(1, 5)}.{rng.randint(0, 12)}.{rng.randint(0, 30)}",
            f"v{rng.randint(1, 9)}.{rng.randint(0, 9)}",
            f"{rng.randint(100, 130)}.0.{rng.randint(1000, 6999)}.{rng.randint(10, 199)}",
        ]
    ),
    "ticket": lambda _: (
        rng.choice(["INC", "REQ", "CHG", "RITM", "TASK"])
        + rng.choice(["", "-", "#"])
        + _digits(rng.choice([7, 8, 10]))
    ),
    "date": lambda _: rng.choice(
        [
            f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2025",
            f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2026",
            f"{rng.randint(1, 28)} March 2026",
        ]
    ),
    "time": lambda _: f"{rng.randint(7, 19)}:{rng.choice(['00', '15', '30', '45'])}",
    "product": _pick(
        "Outlook",
        "Teams",
        "Windows 11",
        "SAP",
        "VPN",
        "Excel",
        "SharePoint",
        "OneDrive",
        "Cisco AnyConnect",
        "GlobalProtect",
        "Zoom",
        "Citrix Workspace",
        "Salesforce",
        "ServiceNow",
        "Jira",
        "Adobe Acrobat",
        "Chrome",
        "Office 365",
    ),
    "printer": _pick(
        "HP LaserJet Pro M404dn",
        "Ricoh IM C3000",
        "Canon imageRUNNER 2630i",
        "Xerox VersaLink C405",
        "Brother HL-L2350DW",
        "Epson WF-C5790",
        "Kyocera ECOSYS M2540dn",
    ),
    "laptop": _pick(
        "Dell Latitude 5420",
        "Lenovo ThinkPad T14 Gen 3",
        "HP EliteBook 840 G8",
        "Surface Pro 9",
        "MacBook Pro M2",
        "Dell OptiPlex 7090",
    ),
    "kb": lambda _: f"KB{rng.randint(5000000, 5049999)}",
    "err": _pick("0x80070005", "0x800CCC0E", "0x80190001", "0xC004F074", "CAA50021", "1603", "403"),
    "mac": lambda _: ":".join(f"{rng.randint(0, 255):02X}" for _ in range(6)),
    "asset": lambda _: rng.choice(["PC-", "LT", "ASSET-", "SN "]) + _digits(rng.choice([5, 6, 8])),
    "serial": lambda _: (
        rng.choice(["5CG", "CND", "PF", "C02"])
        + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(7))
    ),
    "po": lambda _: "PO " + rng.choice(["45", "48"]) + _digits(8),
    "amount": lambda _: rng.choice(
        [f"{rng.randint(100, 9999)},{_digits(2)} €", f"${rng.randint(10, 2999)}.{_digits(2)}"]
    ),
    "link": _pick(
        "https://intranet.corp.local/helpdesk",
        "https://portal.office.com",
        "http://wiki.corp.local:8080/login",
        "https://sharepoint.company.com/sites/finance",
        "www.microsoft.com/download",
    ),
    "room": lambda _: rng.choice(["B-", "A", "Room ", "salle "]) + str(rng.randint(100, 620)),
    "ext": lambda _: str(rng.randint(2000, 7999)),
}

# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------

EN = [
    "Hi, {product} keeps crashing since the update to {version}. Please call me on {phone}. "
    "Thanks, {person}",
    "Hello team,\nmy colleague {person} cannot log in to {product} after the password reset. "
    "Her email is {email}. Ticket {ticket} was closed by mistake.",
    "Dear IT, the printer {printer} on floor 3 shows error {err} again. Asset tag {asset}. "
    "Regards,\n{person}",
    "Please refund the licence charged to card {card} on {date}, we never used {product}. "
    "Contact {email} for the invoice.",
    "Salary was not paid into my account {iban}. Payroll in {product} shows it sent on {date}. "
    "{person}, Finance",
    "The VPN blocks my home IP {ip} since {time}. I am using {product} {version} on a {laptop}.",
    "Build server fails to pull from {url} - the credentials in the job config expired. "
    "See {ticket}.",
    "{person} from accounting reports that {product} freezes when opening large files. "
    "She can be reached at {phone} or {email}.",
    "Hi {first}, thanks for the quick fix on {ticket}. The {laptop} works again. Cheers, {first}",
    "Outlook error {err} when sending mail. Installed {kb} yesterday. Laptop serial {serial}, "
    "MAC {mac}. No other details.",
    "New starter {person} joins on {date}; please create an account, assign a {product} licence "
    "and a {laptop}. Manager: {person}.",
    "Can't connect to the share from {ip}. Ping to {link} works. Using {product} on {version}.",
    "Teams calls drop every few minutes in room {room}. Started after {kb}. Please check.",
    "Order {po} for two {printer} units has not arrived. Total {amount}. Contact me on {phone}.",
    "Request: give {person} access to the finance folder on {link} (approved by {person}).",
    "My name is {person} and I lost my badge. My mobile is {phone}, extension {ext}.",
    "Customer {person} says the portal charged card {card} twice. Their IBAN for the refund is "
    "{iban}. Email: {email}",
    "Password reset needed for {email}. Last login from {ip} at {time} on {date}.",
    "Excel macros disabled after {version} rollout. Ticket {ticket}. Affects the whole sales team.",
    "SAP GUI shows {err} on startup, version {version}. Asset {asset}. Please advise.",
    "Hi support, the Wi-Fi in {room} is down since {time}. MAC of my device {mac}. Thanks",
    "Please update the mobile number of {person} to {phone} in the directory. Old number stays "
    "active until {date}.",
    "Monitor flickers on my {laptop}, serial {serial}. Tried another cable. Regards, {first}",
    "We got a phishing mail from {email} asking staff to log in at {link}. Reported by {person}.",
    "Backup job logs show it connects with {url} - please rotate that password.",
    "{product} licence renewal quote {amount}, order {po}, due {date}.",
    "Chrome shows certificate error for {link} since {date}. KB {kb} installed. Thanks.",
    "Dear Mr {person}, your ticket {ticket} about {product} has been resolved. Regards, IT Service"
    " Desk",
    "Card {card} was declined when paying the {product} subscription; please try the backup card "
    "{card} instead.",
    "Wrong bank details on the supplier record: old {iban}, new {iban}. Please fix it in SAP.",
    "Firewall logs show blocked traffic from {ip} to {ip} on port 443 since {date}.",
    "Found plain-text credentials on the wiki page: {url} and {url}. Please remove them.",
    "Please call me back on {phone} or on my desk line {phone} after {time}.",
    "Expense refund for the {laptop} dock ({amount}) should go to {iban}, not to {iban}. {first}",
]

FR = [
    "Bonjour, depuis la mise à jour {version}, {product} plante au démarrage. Merci de me rappeler"
    " au {phone}. Cordialement,\n{person}",
    "Bonjour,\nma collègue {person} n'arrive plus à se connecter à {product}. Son adresse : "
    "{email}."
    " Ticket {ticket}.",
    "L'imprimante {printer} du 2e étage affiche l'erreur {err}. Étiquette {asset}. Merci d'avance,"
    "\n{person}",
    "Mon salaire n'a pas été versé sur le compte {iban}. Le virement apparaît le {date} dans "
    "{product}.",
    "Merci de rembourser la licence débitée sur la carte {card} le {date}. Contact : {email}",
    "Le VPN bloque mon adresse IP {ip} depuis {time}. J'utilise {product} {version} sur un "
    "{laptop}.",
    "Le serveur de build n'arrive plus à cloner {url} : le mot de passe a expiré. Voir {ticket}.",
    "{person} de la comptabilité signale que {product} se fige. Joignable au {phone} ou par mail "
    "{email}.",
    "Bonjour {first}, merci pour la résolution du ticket {ticket}. Le {laptop} fonctionne. Bonne "
    "journée, {first}",
    "Erreur {err} dans Outlook à l'envoi. {kb} installé hier. Numéro de série {serial}, MAC {mac}.",
    "Nouvel arrivant : {person}, le {date}. Merci de créer son compte et de lui attribuer un "
    "{laptop}. Responsable : {person}.",
    "Impossible d'accéder au partage depuis {ip}. Le ping vers {link} fonctionne. Version "
    "{version}.",
    "Les appels Teams coupent dans la {room} depuis {kb}. Merci de vérifier.",
    "La commande {po} de deux {printer} n'est pas arrivée. Montant {amount}. Tél : {phone}",
    "Demande d'accès au dossier finance sur {link} pour {person}, validée par {person}.",
    "Je m'appelle {person} et j'ai perdu mon badge. Mon portable : {phone}, poste {ext}.",
    "Le client {person} a été débité deux fois sur la carte {card}. IBAN pour le remboursement : "
    "{iban}. Mail : {email}",
    "Réinitialisation du mot de passe pour {email}. Dernière connexion depuis {ip} le {date} à "
    "{time}.",
    "Macros Excel désactivées après le déploiement {version}. Ticket {ticket}. Tout le service est"
    " touché.",
    "SAP affiche {err} au lancement, version {version}. Poste {asset}. Merci de votre aide.",
    "Bonjour le support, le Wi-Fi de la {room} ne marche plus depuis {time}. Adresse MAC {mac}.",
    "Merci de mettre à jour le numéro de M. {person} : {phone}. L'ancien reste actif jusqu'au "
    "{date}.",
    "L'écran de mon {laptop} scintille, série {serial}. Câble changé. Cordialement, {first}",
    "Mail d'hameçonnage reçu de {email} demandant de se connecter sur {link}. Signalé par "
    "Mme {person}.",
    "Les journaux de sauvegarde montrent une connexion avec {url}, merci de changer ce mot de "
    "passe.",
    "Devis de renouvellement {product} : {amount}, commande {po}, échéance le {date}.",
    "Chrome affiche une erreur de certificat pour {link} depuis le {date}. Merci.",
    "Bonjour, suite à notre appel, vous pouvez me joindre au {phone}. Cordialement, {person}",
    "La carte {card} a été refusée pour l'abonnement {product} ; merci d'essayer la carte {card}.",
    "Coordonnées bancaires erronées du fournisseur : ancien {iban}, nouveau {iban}. À corriger "
    "dans SAP.",
    "Le pare-feu bloque le trafic de {ip} vers {ip} sur le port 443 depuis le {date}.",
    "Identifiants en clair trouvés sur le wiki : {url} et {url}. Merci de les supprimer.",
    "Merci de me rappeler au {phone} ou sur mon fixe {phone} après {time}.",
    "Le remboursement de la station d'accueil ({amount}) doit aller sur {iban} et non sur {iban}.",
]

AR = [
    "مرحبا، برنامج {product} يتوقف عن العمل منذ التحديث {version}. يرجى الاتصال بي على {phone}."
    "\nمع تحياتي،\n{person}",
    "السلام عليكم، زميلتي {person} لا تستطيع الدخول إلى {product} بعد إعادة تعيين كلمة المرور. "
    "بريدها {email}. رقم التذكرة {ticket}.",
    "الطابعة {printer} في الطابق الثالث تعرض الخطأ {err}. رقم الأصل {asset}. شكرا\n{person}",
    "لم يصل راتبي إلى حسابي {iban}. يظهر التحويل في {product} بتاريخ {date}.",
    "يرجى استرداد مبلغ الترخيص المخصوم من البطاقة {card} بتاريخ {date}. للتواصل: {email}",
    "الشبكة الافتراضية VPN تحظر عنوان IP الخاص بي {ip} منذ الساعة {time}. أستخدم {product} "
    "{version} على جهاز {laptop}.",
    "خادم البناء لا يستطيع سحب المستودع من {url} لأن كلمة المرور انتهت. انظر {ticket}.",
    "{person} من قسم المحاسبة يبلغ أن {product} يتجمد عند فتح الملفات الكبيرة. رقمه {phone} "
    "وبريده {email}.",
    "شكرا {first} على حل التذكرة {ticket} بسرعة. الجهاز {laptop} يعمل الآن.",
    "خطأ {err} في أوتلوك عند الإرسال. تم تثبيت {kb} أمس. الرقم التسلسلي {serial} وعنوان MAC {mac}.",
    "موظف جديد: {person} يبدأ يوم {date}. يرجى إنشاء حساب له وتخصيص جهاز {laptop}. المدير "
    "المباشر: {person}.",
    "لا أستطيع الوصول إلى المجلد المشترك من {ip}. الاتصال بـ {link} يعمل. الإصدار {version}.",
    "مكالمات Teams تنقطع في القاعة {room} بعد تثبيت {kb}. يرجى التحقق.",
    "الطلب {po} لطابعتين {printer} لم يصل بعد. المبلغ {amount}. هاتفي {phone}",
    "طلب صلاحية الوصول إلى مجلد المالية {link} للسيد {person} بموافقة {person}.",
    "اسمي {person} وقد فقدت بطاقة الدخول. جوالي {phone} والتحويلة {ext}.",
    "العميل {person} تم خصم المبلغ من بطاقته {card} مرتين. رقم الآيبان للاسترداد {iban}. "
    "البريد: {email}",
    "إعادة تعيين كلمة المرور للحساب {email}. آخر دخول من {ip} الساعة {time} بتاريخ {date}.",
    "تم تعطيل وحدات الماكرو في Excel بعد تحديث {version}. التذكرة {ticket}. القسم كله متأثر.",
    "برنامج SAP يعرض الخطأ {err} عند التشغيل، الإصدار {version}. الجهاز {asset}.",
    "الواي فاي في القاعة {room} لا يعمل منذ {time}. عنوان MAC لجهازي {mac}. شكرا",
    "يرجى تحديث رقم جوال الأستاذة {person} إلى {phone} في الدليل.",
    "شاشة جهازي {laptop} ترمش، الرقم التسلسلي {serial}. جربت كابلا آخر. مع الشكر، {first}",
    "وصلتنا رسالة تصيد من {email} تطلب الدخول إلى {link}. أبلغ عنها المهندس {person}.",
    "سجلات النسخ الاحتياطي تظهر الاتصال عبر {url}، يرجى تغيير كلمة المرور.",
    "عرض سعر تجديد ترخيص {product}: {amount}، الطلب {po}، الاستحقاق {date}.",
    "متصفح Chrome يعرض خطأ شهادة للموقع {link} منذ {date}. شكرا لكم.",
    "مرحبا، أرجو الاتصال بي على الرقم {phone} بخصوص التذكرة {ticket}. تحياتي، {person}",
    "تم رفض البطاقة {card} عند دفع اشتراك {product}، يرجى تجربة البطاقة {card}.",
    "بيانات البنك للمورد خاطئة: الحساب القديم {iban} والجديد {iban}. يرجى التصحيح في SAP.",
    "سجلات الجدار الناري تظهر حظر الاتصال من {ip} إلى {ip} على المنفذ 443 منذ {date}.",
    "وجدنا بيانات دخول مكشوفة في صفحة الويكي: {url} و {url}. يرجى حذفها.",
    "يرجى معاودة الاتصال بي على {phone} أو على الخط الأرضي {phone} بعد الساعة {time}.",
    "يرجى تحويل مبلغ استرداد قاعدة الجهاز ({amount}) إلى الحساب {iban} وليس {iban}.",
]

# Written after the recognisers were tuned on the templates above and held out until 2026-12-03,
# when their misses were read to build the name lists: split "dev2", tuned on since. The held-out
# estimate is data/pii/holdout/ (hand-written, no template or name shared).
HELDOUT = {
    "en": [
        "{person} here - my {laptop} won't boot after {kb}. Text me at {phone} please.",
        "Could you reset the MFA for {person}? She changed phones and can't approve sign-ins. "
        "Her new number is {phone}.",
        "FYI {person} and {person} both got the same phishing mail from {email} this morning.",
        "Ticket for {first} {ticket}: printer {printer} prints blank pages. Call {phone} ext "
        "{ext}.",
        "Access request: finance folder for {person} (cost centre 4410), approver {person}.",
        "The invoice from {email} lists IBAN {iban} but the vendor says theirs is {iban}. Can "
        "someone check with {person}?",
        "Laptop handed over to {person} on {date}, serial {serial}. Previous owner: {person}.",
        "Teams meeting link broken for the board call; organiser is {person} ({email}). Dial-in "
        "{phone}.",
    ],
    "fr": [
        "{person} à l'appareil : mon {laptop} ne démarre plus après {kb}. Envoyez-moi un SMS au "
        "{phone}.",
        "Pouvez-vous réinitialiser la MFA de {person} ? Elle a changé de téléphone. Nouveau "
        "numéro : {phone}.",
        "Pour info, {person} et {person} ont reçu le même mail frauduleux de {email} ce matin.",
        "Ticket pour {first} {ticket} : l'imprimante {printer} imprime des pages blanches. "
        "Appeler le {phone} poste {ext}.",
        "Demande d'accès au dossier finance pour {person} (centre de coût 4410), approbateur "
        "{person}.",
        "La facture de {email} indique l'IBAN {iban} alors que le fournisseur donne {iban}. "
        "Quelqu'un peut vérifier avec {person} ?",
        "PC remis à {person} le {date}, numéro de série {serial}. Ancien utilisateur : {person}.",
        "Le lien Teams du comité est cassé ; l'organisatrice est {person} ({email}). Accès "
        "téléphonique {phone}.",
    ],
    "ar": [
        "معكم {person}، جهازي {laptop} لا يقلع بعد تحديث {kb}. أرسلوا لي رسالة على {phone}.",
        "هل يمكن إعادة ضبط المصادقة الثنائية لـ {person}؟ غيرت هاتفها والرقم الجديد {phone}.",
        "للعلم، {person} و {person} تلقيا نفس رسالة الاحتيال من {email} صباح اليوم.",
        "تذكرة باسم {first} رقم {ticket}: الطابعة {printer} تطبع صفحات فارغة. الهاتف {phone} "
        "تحويلة {ext}.",
        "طلب صلاحية لمجلد المالية لصالح {person}، والموافقة من {person}.",
        "الفاتورة الواردة من {email} تذكر الآيبان {iban} بينما المورد يقول إن حسابه {iban}. "
        "يرجى التحقق مع {person}.",
        "تم تسليم الجهاز إلى {person} بتاريخ {date}، الرقم التسلسلي {serial}. المستخدم السابق: "
        "{person}.",
        "رابط اجتماع Teams لا يعمل، المنظمة هي {person} ({email}). رقم الاتصال الهاتفي {phone}.",
    ],
}
HELDOUT_PER_LANGUAGE = 60

NO_PII = {
    "en": [
        "{product} is very slow since this morning, version {version}. Ticket {ticket}.",
        "Printer {printer} jammed again, error {err}. Asset {asset}.",
        "Please install {kb} on all machines in room {room} before {date}.",
        "After upgrading to {version} the {laptop} no longer wakes from sleep.",
        "Order {po} approved, total {amount}. Delivery expected {date}.",
        "Wi-Fi drops at {time} every day, device MAC {mac}, see {link}.",
    ],
    "fr": [
        "{product} est très lent depuis ce matin, version {version}. Ticket {ticket}.",
        "L'imprimante {printer} est bloquée, erreur {err}. Étiquette {asset}.",
        "Merci d'installer {kb} sur les postes de la {room} avant le {date}.",
        "Depuis la version {version}, le {laptop} ne sort plus de veille.",
        "Commande {po} validée, montant {amount}. Livraison prévue le {date}.",
        "Le Wi-Fi coupe tous les jours à {time}, adresse MAC {mac}, voir {link}.",
    ],
    "ar": [
        "برنامج {product} بطيء جدا منذ الصباح، الإصدار {version}. التذكرة {ticket}.",
        "الطابعة {printer} عالقة مرة أخرى، الخطأ {err}. رقم الأصل {asset}.",
        "يرجى تثبيت {kb} على أجهزة القاعة {room} قبل {date}.",
        "بعد الترقية إلى {version} لم يعد الجهاز {laptop} يستيقظ من وضع السكون.",
        "تمت الموافقة على الطلب {po} بمبلغ {amount}. التسليم المتوقع {date}.",
        "الواي فاي ينقطع يوميا الساعة {time}، عنوان MAC {mac}، انظر {link}.",
    ],
}
TEMPLATES = {"en": EN, "fr": FR, "ar": AR}

# Sentences with no PII added around a template so cases have the length of real tickets
# (~150-400 characters) and more capitalised product words.
PADDING = {
    "en": [
        "I already restarted the laptop twice.",
        "This is blocking the month-end closing in Finance.",
        "It worked fine last week before the {product} update.",
        "Other people on the team see the same thing in {product}.",
        "I am working from home today and use the VPN.",
        "The error message says access denied.",
        "Screenshot attached.",
        "Not urgent, but it happens every morning.",
        "We also tried on a {laptop} with the same result.",
        "Please escalate if needed, the client demo is on {date}.",
    ],
    "fr": [
        "J'ai déjà redémarré le poste deux fois.",
        "Cela bloque la clôture mensuelle du service Finance.",
        "Tout fonctionnait la semaine dernière avant la mise à jour de {product}.",
        "D'autres personnes de l'équipe ont le même souci avec {product}.",
        "Je suis en télétravail aujourd'hui et j'utilise le VPN.",
        "Le message indique accès refusé.",
        "Capture d'écran en pièce jointe.",
        "Pas urgent, mais cela arrive chaque matin.",
        "Nous avons aussi essayé sur un {laptop}, même résultat.",
        "Merci d'escalader si besoin, la démo client est le {date}.",
    ],
    "ar": [
        "أعدت تشغيل الجهاز مرتين.",
        "هذا يعطل إغلاق الحسابات الشهرية في قسم المالية.",
        "كان كل شيء يعمل الأسبوع الماضي قبل تحديث {product}.",
        "زملاء آخرون في الفريق لديهم نفس المشكلة مع {product}.",
        "أعمل من المنزل اليوم وأستخدم VPN.",
        "رسالة الخطأ تقول تم رفض الوصول.",
        "مرفق لقطة شاشة.",
        "ليس عاجلا لكنه يتكرر كل صباح.",
        "جربنا أيضا على جهاز {laptop} والنتيجة نفسها.",
        "يرجى التصعيد عند الحاجة، العرض للعميل بتاريخ {date}.",
    ],
}


_SENTENCE_END = re.compile(r"(?<!\bM)(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bMrs)(?<!\bMme)[.!?] ")


def padded(template: str, lang: str) -> str:
    """Insert 0-3 padding sentences after the first sentence of the template (or before it)."""
    extra = " ".join(rng.sample(PADDING[lang], rng.choice([0, 1, 2, 2, 3])))
    if not extra:
        return template
    cut = _SENTENCE_END.search(template)
    if cut is None:
        return f"{extra} {template}"
    return f"{template[: cut.end()]}{extra} {template[cut.end() :]}"


_SLOT = re.compile(r"\{(\w+)\}")


def render(
    template: str,
    lang: str,
    pii: dict[str, tuple[str, Callable[[str], str]]] | None = None,
    fillers: dict[str, Callable[[str], str]] | None = None,
) -> dict:
    """Fill a template, recording the span of every PII value inserted."""
    pii = PII if pii is None else pii
    fillers = FILLERS if fillers is None else fillers
    text, entities, pos = "", [], 0
    for m in _SLOT.finditer(template):
        text += template[pos : m.start()]
        slot = m.group(1)
        if slot in pii:
            etype, make = pii[slot]
            value = make(lang)
            entities.append({"type": etype, "start": len(text), "end": len(text) + len(value)})
        else:
            value = fillers[slot](lang)
        text += value
        pos = m.end()
    text += template[pos:]
    return {"text": text, "language": lang, "entities": entities}


def write_cases(cases: list[dict], out: Path) -> None:
    """One JSON case per line, UTF-8 as written (Arabic stays readable in diffs)."""
    with out.open("w", encoding="utf-8") as f:
        for case in cases:
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


def main() -> None:
    cases = []
    for lang in ("en", "fr", "ar"):
        pool = TEMPLATES[lang]
        for i in range(PER_LANGUAGE):
            # Every template at least 5 times, a no-PII case every 6th.
            if i % 6 == 5:
                tpl = rng.choice(NO_PII[lang])
            else:
                tpl = pool[i % len(pool)] if i < 5 * len(pool) else rng.choice(pool)
            cases.append({**render(padded(tpl, lang), lang), "split": "dev"})
        for i in range(HELDOUT_PER_LANGUAGE):
            tpl = HELDOUT[lang][i % len(HELDOUT[lang])]
            cases.append({**render(padded(tpl, lang), lang), "split": "dev2"})
    write_cases(cases, OUT)


if __name__ == "__main__":
    main()
