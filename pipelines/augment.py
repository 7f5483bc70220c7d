"""Code-switching augmentation towards live tickets (CoSDA-ML, Qin et al. 2020).

The training file is stripped English; users write French, Arabic and mixes of both with English
IT words, with greetings and sign-offs around the request. Fine-tuned on the stripped English
alone, the multilingual encoder drifts away from its cross-lingual alignment and answers the
majority class on anything else. Swapping a share of the words of a training ticket for their
translation (from `data/augment/glossary.csv`, written for this project) and wrapping it in a
greeting keeps the label and teaches the classifier that `mot de passe`, `كلمة المرور` and
`password` mean the same. Only the words in the glossary move; the ticket's own label stays.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

LANGUAGES = ("fr", "ar")
# How people open and close a ticket, per language; normalisation keeps these words.
GREETINGS = {
    "en": ["hi team", "hello", "dear support", "good morning", "hi all"],
    "fr": ["bonjour", "bonjour à tous", "salut", "bonsoir", "madame monsieur"],
    "ar": ["مرحبا", "السلام عليكم", "تحية طيبة", "صباح الخير", "أهلا"],
}
CLOSINGS = {
    "en": ["thanks", "thank you", "kind regards", "best regards", "cheers"],
    "fr": ["merci", "cordialement", "merci d'avance", "bonne journée", "bien à vous"],
    "ar": ["شكرا", "مع التحية", "شكرا جزيلا", "تحياتي", "وشكرا"],
}


def read_glossary(path: Path) -> dict[str, dict[str, list[str]]]:
    """English word -> language -> translations (the CSV holds `en,fr,ar`, `|` between variants)."""
    glossary: dict[str, dict[str, list[str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            glossary[row["en"].strip()] = {
                lang: [v.strip() for v in row[lang].split("|") if v.strip()] for lang in LANGUAGES
            }
    return glossary


class CodeSwitcher:
    def __init__(self, glossary: dict[str, dict[str, list[str]]], rate: float, seed: int) -> None:
        self.glossary = glossary
        self.rate = rate
        self.rng = random.Random(seed)

    def __call__(self, text: str, language: str) -> str:
        words = [
            self._swap(word, language) if self.rng.random() < self.rate else word
            for word in text.split()
        ]
        if self.rng.random() < 0.5:
            words.insert(0, self.rng.choice(GREETINGS[language]))
        if self.rng.random() < 0.5:
            words.append(self.rng.choice(CLOSINGS[language]))
        return " ".join(words)

    def _swap(self, word: str, language: str) -> str:
        choices = self.glossary.get(word, {}).get(language)
        return self.rng.choice(choices) if choices else word

    def variants(self, texts: list[str]) -> dict[str, list[str]]:
        """One switched copy of every text per language (fixed per training run)."""
        return {lang: [self(t, lang) for t in texts] for lang in LANGUAGES}
