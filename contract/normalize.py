"""Text normalisation shared by training and serving.

The training file was preprocessed upstream (lowercase ASCII words, no digits, almost no
punctuation). Live tickets arrive with greetings, signatures, quoted replies, case, digits and
punctuation. Both the training pipelines and the predictors call `normalize` so the models see the
same form at fit and at serve time (no train/serve skew). It keeps letters of every script and
accents, so French and Arabic stay readable for the multilingual transformer, and drops the
function words the training file never contains (`function_words.txt`: the upstream
preprocessing removed "i", "my", "in"; French and Arabic ones it never had), and writes the
French, Arabic and live-English IT words of `glossary.tsv` in the training file's English
("imprimante" -> "printer", "كلمة المرور" -> "password password", "timesheet" -> "timecard").
Neither list holds a word of the training file,
so every training ticket reads as before and live ones come closer to what the models learned.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

# Recorded in each model folder's metadata; the predictors refuse a model whose version is not in
# READS_TRAINING_ALIKE (versions under which the training file reads exactly as under this one).
# Version 2 (function words dropped) leaves every training ticket as version 1 did, so the models
# of 2026-12-03 that record "1" were not retrained: fit again under 2 they would be the same. A
# version that changes training text starts a new set, and older models then need a retrain.
# Version 3 (the glossary) also leaves every training ticket as it was.
NORMALIZATION_VERSION = "3"
READS_TRAINING_ALIKE = frozenset({"1", "2", "3"})
FUNCTION_WORDS_FILE = Path(__file__).with_name("function_words.txt")
GLOSSARY_FILE = Path(__file__).with_name("glossary.tsv")

# A quoted reply starts at one of these lines; everything after it is the older conversation.
_REPLY_HEADER = re.compile(
    r"^\s*(?:-{2,}\s*original message\s*-{2,}"
    r"|-{2,}\s*message d'origine\s*-{2,}"
    r"|on .{0,200}wrote:"
    r"|le .{0,200}a écrit\s*:"
    r"|from:\s.*"
    r"|de\s?:\s.*@.*"
    r"|>.*)\s*$",
    re.IGNORECASE,
)
# Signature delimiters and mobile footers end the useful text too.
_SIGNATURE = re.compile(
    r"^\s*(?:--\s*"
    r"|sent from my \w+.*"
    r"|envoyé de mon \w+.*"
    r"|get outlook for \w+.*"
    r"|أرسلت من .*)\s*$",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"<[A-Z_]+>")
# Anything that is not a letter becomes a separator: digits, punctuation, symbols, emoji.
_NON_LETTER = re.compile(r"[^\w]|[\d_]")
_SPACES = re.compile(r"\s+")


def strip_boilerplate(text: str) -> str:
    """Drop quoted replies and signatures: they describe older problems, not this ticket."""
    kept: list[str] = []
    for line in text.splitlines():
        if _REPLY_HEADER.match(line) or _SIGNATURE.match(line):
            break
        kept.append(line)
    body = "\n".join(kept).strip()
    # A ticket that is nothing but a quote keeps its text rather than becoming empty.
    return body or text


def letters_only(text: str) -> str:
    """Lowercase words of letters, without the boilerplate: `normalize` before the function
    words go (what `devtools.make_function_words` counts)."""
    text = unicodedata.normalize("NFKC", text)
    text = strip_boilerplate(text)
    text = _PLACEHOLDER.sub(" ", text)
    text = text.casefold()
    text = _NON_LETTER.sub(" ", text)
    # Arabic diacritics (harakat) and tatweel vary between writers and carry no topic.
    text = text.translate(_ARABIC_MARKS)
    return _SPACES.sub(" ", text).strip()


def normalize(text: str) -> str:
    """Bring one live ticket to the form the models learned from."""
    return " ".join(
        _GLOSSARY.get(w) or _behind_clitic(w) or w
        for w in letters_only(text).split()
        if w not in _FUNCTION_WORDS
    )


def _behind_clitic(word: str) -> str | None:
    """An Arabic glossary word behind a clitic: "والطابعة", "بالشبكة", "للحساب", "وحسابي"."""
    if word[:1] not in _CLITICS:
        return None
    for prefix in ("وال", "بال", "فال", "كال", "لل"):
        if word.startswith(prefix) and (hit := _GLOSSARY.get("ال" + word[len(prefix) :])):
            return hit
    return _GLOSSARY.get(word[1:])


def normalize_texts(texts: Iterable[str]) -> list[str]:
    """Vectorised form for scikit-learn pipelines; accepts a DataFrame with a `text` column too."""
    column = getattr(texts, "columns", None)
    if column is not None:
        texts = texts["text"]
    return [normalize(str(t)) for t in texts]


# Tatweel, harakat (U+064B-U+065F) and the superscript alef, deleted by str.translate (one C
# pass: a per-character test in Python was half of normalising a ticket).
_ARABIC_MARKS = dict.fromkeys([0x0640, *range(0x064B, 0x0660), 0x0670])


def _read_function_words(path: Path) -> frozenset[str]:
    """Missing, it fails at import: a model served without the list would read other text."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def _read_glossary(path: Path) -> dict[str, str]:
    """Missing, it fails at import, like the function words."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t") for line in lines if line.strip() and not line.startswith("#"))


_FUNCTION_WORDS = _read_function_words(FUNCTION_WORDS_FILE)
_GLOSSARY = _read_glossary(GLOSSARY_FILE)
_CLITICS = frozenset("وفبلك")
