"""Word lists for the PII scrubber, kept apart from the logic so they can be reviewed and grown.

Everything here was written by hand for this project (not copied from Faker, which generates the
test set): a list lifted from the generator would make the evaluation measure itself.
"""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS as _EN_STOP
from spacy.lang.fr.stop_words import STOP_WORDS as _FR_STOP


def _words(block: str) -> list[str]:
    """Whitespace-separated word lists keep the lexicon readable and easy to diff."""
    return block.split()


# Product, vendor and helpdesk words that tickets capitalise. The classifier needs them, so a span
# made only of these is never a person, and they alone do not wake the (slow) NER model.
IT_WORDS = frozenset(
    _words(
        """
        outlook teams windows office excel word powerpoint onenote sharepoint onedrive exchange
        azure intune entra active directory ad vpn sap oracle salesforce servicenow jira
        confluence slack zoom webex skype chrome firefox edge safari citrix vmware anyconnect
        cisco fortinet fortigate forticlient globalprotect palo alto okta duo mfa adobe acrobat
        reader photoshop dell hp lenovo lexmark canon epson brother xerox ricoh kyocera konica
        minolta laserjet officejet deskjet latitude thinkpad elitebook probook optiplex precision
        surface macbook iphone ipad android samsung galaxy pixel apple microsoft google gmail
        linux ubuntu debian redhat macos ios mac pc usb wifi wi-fi bluetooth ethernet lan wan dns
        dhcp smtp imap http https ssl tls ftp sftp ssh rdp remote desktop bitlocker defender
        antivirus kaspersky mcafee symantec sophos crowdstrike sccm jamf git github gitlab
        jenkins docker kubernetes aws gcp sql mysql postgres postgresql mongodb power bi tableau
        workday successfactors concur dynamics navision sage quickbooks zendesk freshdesk hubspot
        trello asana notion dropbox box wetransfer java python node npm net visual studio code ie
        internet explorer it helpdesk help desk service support team admin administrator server
        printer scanner laptop desktop monitor screen keyboard mouse headset dock docking station
        badge account password login ticket incident request urgent error issue problem update
        upgrade patch version release build network drive folder file share access license
        licence email e-mail mail phone mobile calendar meeting room floor building site wireless
        guest portal intranet extranet erp crm hr finance payroll accounting sales marketing
        legal procurement warehouse reception management department manager director it-support
        everyone all hello hi hey dear thanks thank regards cheers best sincerely kind many
        greetings morning afternoon evening good please urgent asap fyi cc re fw fwd subject sent
        note update monday tuesday wednesday thursday friday saturday sunday january february
        march april may june july august september october november december today yesterday
        tomorrow bonjour bonsoir salut merci cordialement bien salutations coucou madame monsieur
        mademoiselle lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars
        avril mai juin juillet août septembre octobre novembre décembre aujourd'hui hier demain
        impossible problème erreur depuis urgent imprimante ordinateur portable écran clavier
        souris accès compte mot passe réseau dossier fichier lecteur partage messagerie logiciel
        poste téléphone réunion salle équipe service informatique support technique demande
        incident mise jour version licence badge serveur connexion identifiant session bureau
                salary delivery invoice quote order refund expense payment purchase ping cable
        capture
        screenshot workspace ecosys imagerunner laserjet versalink thinkpad elitebook optiplex
        livraison devis câble commande facture paiement remboursement achat bonne journée soirée
        semaine capture écran pièce jointe nouvel arrivant responsable client fournisseur étiquette
        customer manager request new starter gen user utilisateur mme mlle mr mrs ms dr mx prof
        sir madam pro max plus mini air ultra series macros firewall backup
        eng
        jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
        janv févr avr juil sept déc lun mer jeu ven sam dim
"""
    )
)

# Greetings that open a ticket the way a name would ("Salam,", "Allo,"): alone they are not a
# person, though some are also given names ("Salam Haddad" still is one).
GREETINGS = frozenset(_words("allo allô salam salamu wesh hola ciao aloha shalom"))

# Lowercase words inside a Latin-script name: "Marie de La Tour", "Jan van den Berg".
NAME_PARTICLES = frozenset(
    _words("de du des la le van von der den da di el al ben bin ibn ait aït ould bou")
)

# Job titles that sign a ticket where a name would ("Thanks,\nProgramme Portfolio Officer",
# "Cordialement,\nChargée de portefeuille projets"): a span holding one is not a person.
JOB_WORDS = frozenset(
    _words(
        """
        officer manager director engineer analyst assistant coordinator lead specialist consultant
        administrator architect developer designer technician intern supervisor executive head
        chargé chargée directeur directrice ingénieur ingénieure technicien technicienne
        assistante stagiaire chef cheffe gestionnaire développeur développeuse
        senior junior principal associate partner paralegal accountant clerk advisor adviser
        receptionist secretary counsel attorney lawyer nurse buyer recruiter
        juriste comptable secrétaire conseiller conseillère commercial commerciale acheteur
        acheteuse approvisionneur approvisionneuse attaché attachée délégué déléguée
        réceptionniste infirmier infirmière avocat avocate
        """
    )
)

# Words that open a place's name, as meeting rooms are often named ("salle « Mont Blanc »",
# "Lake Geneva room"): a span that starts with one is not a person.
PLACE_HEADS = frozenset(
    _words(
        """
        mont mount mt lac lake loch pic peak cap cape col île ile isle rue avenue boulevard fort
        port baie bay vallée valley
        """
    )
)

# Words that end the name of a company or a building named after a person ("Johnson Controls",
# "Hamilton Building", "Contact Centre"): a span that ends with one is not a person.
ORG_TAILS = frozenset(
    _words(
        """
        controls group bank systems solutions services consulting partners associates holdings
        industries technologies labs ltd inc plc llc llp gmbh sarl sas corp corporation company
        building centre center tower street road station airport hospital university college
        school hotel campus house blvd electric energy securities insurance pharma motors
        """
    )
)
# Lowercase words after a span that make it the name of a room, a machine or a screen ("the
# Marie Curie room", "the Florence servers"): checked on the next word only, since a span
# ending in Hall, Lane or Park is as often a family name.
THING_TAILS = frozenset(_words("room rooms device devices server servers nas cluster dashboard"))

# Labels that head a line of a ticket without being a chat speaker: form fields, mail
# headers, notes ("Subject:", "Priority:", "Q:").
CHAT_FIELD_LABELS = frozenset(
    _words(
        """
        from to cc bcc subject objet date sent envoyé re tr fw fwd name nom prénom phone tel tél
        mobile mob email e-mail mail ref réf note nb ps error erreur status statut agent helpdesk
        support it user utilisateur client customer caller appelant bot system système admin me moi
        moi-même you vous ticket asset po site location lieu room salle floor étage department
        service dept manager requester demandeur priority priorité category catégorie impact
        summary résumé description details détails reason raison cause action update answer
        question q a reply réponse step étape result résultat expected attendu actual observed
        """
    )
)
# Words that start a sentence or a greeting in tickets; with the stop words of both languages they
# make the "common capitalised word" list used by the NER gate and the person filter.
COMMON_WORDS = frozenset({w.lower() for w in _EN_STOP} | {w.lower() for w in _FR_STOP} | IT_WORDS)

# Arabic given names, matched after `normalize_ar` (no diacritics, one alef, ه for ة).
# Common names across the Maghreb, Egypt, the Levant and the Gulf; written for this project.
_AR_GIVEN = """
محمد أحمد محمود مصطفى علي عمر عثمان خالد حسن حسين إبراهيم إسماعيل يوسف يعقوب موسى عيسى سليمان
داود داوود آدم نوح زكريا يحيى يونس إلياس إدريس أيوب هارون عبدالله عبدالرحمن عبدالعزيز عبدالقادر
عبدالكريم عبدالرحيم عبدالمجيد عبدالحميد عبدالسلام عبداللطيف عبدالملك عبدالرزاق عبدالحكيم
عبدالباسط عبدالغني عبدالفتاح عبدالوهاب عبدالناصر عبدالحق عبدالإله فهد فيصل سلطان سعود سعد سعيد
سالم سلمان صالح طارق طلال عادل عاطف عماد عمرو عصام عزيز فارس فراس فؤاد فريد كريم كمال لؤي ماجد
مازن مالك منصور مهدي مراد مروان مصعب معاذ ناصر نبيل نادر نزار نضال هاني هشام هيثم وائل وليد ياسر
ياسين يزيد زياد زيد رامي رائد رياض رشيد رضا رضوان سامي سامر سمير شريف شادي جمال جلال جميل جابر
جعفر حمزة حمد حامد حاتم حازم حبيب حكيم أنس أيمن أمين أنور أسامة أشرف باسم بلال بشير بدر بكر توفيق
ثامر جواد خليل راشد رشاد زكي سفيان سيف شاكر صلاح صابر ضياء طه عدنان عزالدين علاء غسان قاسم لطفي
مجدي محسن مختار مدحت مسعود معتز منير مهند نعيم نوفل هادي همام وسيم وحيد أكرم أمجد إسحاق رابح
مولود محند لخضر عمار بوعلام جلول يانيس ماسينيسا يوبا أكسل أنيس نسيم سليم رفيق فتحي نصر كمال
عبدو شوقي حمدي رمزي فوزي صبري يسري سامح تامر شهاب عمران مؤمن ثابت حسام زهير غازي مشعل نايف
بندر تركي متعب عبدالمحسن عبدالرحيم راكان نواف هزاع منذر قيس أوس عامر عاصم صهيب بسام أديب لبيب
فاطمة عائشة خديجة مريم زينب آمنة أسماء سارة سلمى ليلى نور نورة نورا هدى هند هبة هالة رنا رانيا
ريم رشا رهف رغد روان ريهام سعاد سهام سميرة سناء سوسن شيماء صفاء ضحى عبير عفاف علا غادة فرح فدوى
كوثر لبنى لمى لينا مها منى منال ميساء ميار نادية نجلاء نسرين نهى نوال هيفاء وفاء ياسمين يسرى
دينا دعاء إيمان أمل أميرة آية بسمة بشرى جميلة جنى حنان حياة حليمة خلود دلال رحاب رقية زهرة سلوى
سمر سمية شهد صباح عزة غدير فايزة كريمة لطيفة ماجدة مروة ملك نجوى نسمة هاجر هيام وداد يمنى إسراء
أسيل جود لجين ديما رزان تسنيم ليان مايا ميرا سيلين نريمان لمياء صبرينة وهيبة نعيمة زهيرة فتيحة
حورية سهيلة مليكة أمينة سكينة حفيظة إكرام إلهام ابتسام أحلام أنوار بثينة جيهان حسناء رجاء رحمة
زينة سحر سوزان شروق عبلة غزلان فريدة كنزة لبابة مروى منار نرجس نعمة هناء وئام ولاء يسرا
"""

_AR_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0640]")
# ى is not folded into ي: it would make the preposition على ("on") the name علي (Ali).
_AR_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه"})


def normalize_ar(word: str) -> str:
    """Fold spelling variants (hamza on alef, ta marbuta, tatweel, vowel marks) to one key."""
    return _AR_DIACRITICS.sub("", word).translate(_AR_ALEF)


AR_GIVEN_NAMES = frozenset(normalize_ar(w) for w in _words(_AR_GIVEN))

# Companies, firms and brands named after people, which tickets mention as vendors, clients and
# suppliers ("the Morgan Stanley export", "notre client Pierre Fabre"): a person-shaped span
# inside one is the organisation, not a person. One name a line, matched as whole words, letter
# case ignored.
EPONYMOUS_ORGANISATIONS = tuple(
    line.strip()
    for line in """
        A.T. Kearney
        Abdul Latif Jameel
        Allen & Overy
        Arthur Andersen
        Baker McKenzie
        Baker Tilly
        Ben & Jerry's
        Black & Decker
        Booz Allen Hamilton
        Booz Allen
        Bredin Prat
        Calvin Klein
        Charles Schwab
        Christian Dior
        Christian Louboutin
        Clifford Chance
        Coco Chanel
        Dassault Systèmes
        Dell Technologies
        DLA Piper
        Dow Jones
        Edmond de Rothschild
        Ernst & Young
        Estée Lauder
        Freshfields Bruckhaus Deringer
        Gide Loyrette Nouel
        Giorgio Armani
        Goldman Sachs
        Grant Thornton
        Harley-Davidson
        Herbert Smith Freehills
        Hewlett Packard Enterprise
        Hewlett-Packard
        Hugo Boss
        J.P. Morgan
        JP Morgan
        Jean Coutu
        Jimmy Choo
        John Deere
        John Lewis
        Johnson & Johnson
        Johnson Controls
        Kelly Services
        Lockheed Martin
        Louis Vuitton
        Majid Al Futtaim
        Marks & Spencer
        Marsh McLennan
        Mercedes-Benz
        Merrill Lynch
        Michael Page
        Morgan Stanley
        Norton Rose Fulbright
        Oliver Wyman
        Paul Smith
        Pierre Cardin
        Pierre Fabre
        Procter & Gamble
        Ralph Lauren
        Robert Bosch
        Robert Half
        Roland Berger
        Rolls-Royce
        Saudi Binladin
        Schneider Electric
        Simmons & Simmons
        Slaughter and May
        Smith & Nephew
        Smith & Wesson
        Stanley Black & Decker
        Ted Baker
        Thomas Cook
        Thomson Reuters
        Tommy Hilfiger
        Travis Perkins
        Walt Disney
        Wells Fargo
        William Hill
        Willis Towers Watson
        Yves Rocher
        Yves Saint Laurent
        Al Rajhi
        Al-Rajhi
        Al Futtaim
        Al-Futtaim
        مصرف الراجحي
        بنك الراجحي
        عبد اللطيف جميل
        ماجد الفطيم
        بن لادن
""".splitlines()
    if line.strip()
)

# Words right before a name that make it the name of a street, a room, a building or a company
# ("rue Victor Hugo", "salle Simone Veil", "le cabinet Mazars", "the Turing room"): the span is
# then a namesake, not a person. Arabic ones are `normalize_ar` keys ("شارع محمد الخامس").
NAMED_THING_HEADS = frozenset(
    _words(
        """
        rue avenue av boulevard bd place allée chemin quai impasse route cours square street
        road lane salle bâtiment batiment bât immeuble tour résidence campus amphi amphithéâtre
        hall room building cabinet société banque groupe entreprise firme prestataire
        fournisseur marque company firm bank vendor supplier brand dashboard thème theme
        """
    )
    + [
        normalize_ar(w)
        for w in _words(
            """
            شارع طريق مركز مبنى جامعة مستشفى مدرسة حي مسجد فرع بنك مصرف شركة مجموعة قاعة
            ميدان دوار مطار مدينة كلية معهد
            """
        )
    ]
)
# Honorifics that streets and buildings carry after their head word ("طريق الملك فهد", "مركز
# الشيخ زايد", "شارع الأمير سلطان"): skipped when looking for the head word.
AR_STREET_HONORIFICS = frozenset(
    normalize_ar(w) for w in _words("الملك الأمير الأميرة الشيخ الشيخة الإمام السلطان الرئيس")
)

# Given names that are also everyday words ("صالح" valid, "أمل" hope, "نور" light, "سعيد" happy):
# alone they are not enough, they need a title before or a family name after.
AR_AMBIGUOUS_NAMES = frozenset(
    normalize_ar(w)
    for w in _words(
        """
    صالح أمل نور كريم جميل جميلة سعيد عادل سالم أمين حياة ملك إيمان رحمة نعمة عزة هدى وفاء صفاء
    سحر فرح منير رشيد حكيم شريف عزيز هادي زكي سامي نبيل بدر سيف شهد ضحى بسمة دعاء كمال جمال فريد
    كريمة لطيفة منى ريم زهرة ثابت نصر شاكر صابر حبيب جود منار صباح آمنة باسم سلام
        """
    )
)

# Titles and phrases after which the next words are a name ("Mr", "Dr", "my name is", ...).
AR_HONORIFICS = frozenset(
    normalize_ar(w)
    for w in _words(
        """
        السيد السيدة السيده الآنسة الأستاذ الأستاذة الدكتور الدكتورة د المهندس المهندسة م الأخ
        الأخت الزميل الزميلة الشيخ الحاج الحاجة اسمي لسيد للسيد للسيدة والسيد والسيدة زميلي زميلتي
        مديري مديرتي العميل العميلة الموظف الموظفة بموافقة المباشر المباشرة
        المترجم المترجمة المساعد المساعدة المتدرب المتدربة زميلنا زميلتنا
        """
    )
)

# "I am" and "you are speaking with": a name follows when the lists know it or a family name
# comes after it ("أنا وعد العمري"); "أنا" is also just "I" ("أنا مش قادر").
AR_WEAK_CUES = frozenset(normalize_ar(w) for w in _words("أنا انا معك معاك معكم"))

# Greetings after which a listed name closed by punctuation is the person greeted.
AR_GREETINGS = frozenset(
    normalize_ar(w) for w in _words("مرحبا مرحباً أهلا أهلاً أهلين هلا السلام الخير النور يا")
)

# "Father of" / "mother of": with a given name, the name people go by (أبو نايف، أم عمر).
AR_KUNYA = frozenset(normalize_ar(w) for w in _words("أبو ابو أبا أم ام"))

# Field labels that introduce a name when a colon follows ("موظف جديد: ...", "الاسم: ...").
AR_LABELS = frozenset(
    normalize_ar(w)
    for w in _words(
        """
        جديد جديدة الاسم اسم المستخدم العميل الموظف المرسل المباشر المسؤول بواسطة من
        """
    )
)

# "باسم" is the name Basem, and "in the name of" after a thing that is opened or registered for
# someone ("تذكرة باسم صادح": a ticket in Sadeh's name): then the next word is the name.
AR_IN_NAME_OF = frozenset(normalize_ar(w) for w in _words("باسم بإسم بأسم"))
AR_NAMED_THINGS = frozenset(
    normalize_ar(w)
    for w in _words(
        """
        تذكرة التذكرة طلب الطلب حساب الحساب حجز مسجل مسجلة مسجّل مسجّلة فاتورة الفاتورة بطاقة
        شهادة عقد العقد مفتوح مفتوحة مفتوحه الجهاز جهاز الرخصة رخصة
        """
    )
)

# Sign-offs ("regards", "thanks") after which a line usually holds the sender's name.
AR_CLOSINGS = frozenset(
    normalize_ar(w)
    for w in _words(
        """
        تحياتي التحية التحيات شكرا شكراً وشكرا الشكر تقديري والتقدير الاحترام وبالتوفيق
        """
    )
)

# Particles that chain name parts: "bin", "ibn", "bint", "abu", "al" (family), "abd" (servant of).
AR_NAME_LINKS = frozenset(
    normalize_ar(w)
    for w in _words(
        """
        بن ابن بنت أبو أبا ابو آل عبد بو ولد بنو
        """
    )
)

# Words that follow a title or a given name in tickets and are not names (roles, function words).
AR_NOT_NAMES = frozenset(
    normalize_ar(w)
    for w in _words(
        """
        المدير المديرة المسؤول المسؤولة الموظف الموظفة الفني الدعم العميل المستخدم الفريق القسم
        الجديد الجديدة القديم القديمة الخاص الخاصة الإلكتروني البريد الشبكة الطابعة الحساب الجهاز
        الحاسوب الكمبيوتر الهاتف النظام البرنامج التطبيق الخادم الملف المجلد كلمة المرور الدخول في
        من إلى الى على عن مع هذا هذه ذلك تلك التي الذي الذين لم لن لا ما لقد قد كان كانت يكون أن إن
        او أو ثم هل كل بعد قبل عند حتى منذ اليوم أمس غدا صباح مساء يوم رقم هاتفي بريدي جوالي يرجى
        الرجاء أرجو نرجو شكرا مرحبا السلام عليكم تحية طيبة وبعد عزيزي عزيزتي فريق قسم دعم يواجه
        تواجه يعمل تعمل يستطيع تستطيع لا يمكن يمكنني أستطيع لدي لديه لديها عندي مشكلة خطأ طلب تذكرة
        جهاز حاسوب شاشة طابعة ويندوز أوتلوك تيمز لك لكم لكي جزيلا جزيلاً مقدما مقدماً
        صاحب صاحبة الرقم الوظيفي الوظيفية لصالح الشركة
        بريد إلكتروني الكتروني ديال ديالو ديالي ديالها ديالهم ديالنا تبع تبعي تبعه تبعها تبعنا
        بتاع بتاعي بتاعه بتاعها حق حقي حقه حقها
        """
    )
)
