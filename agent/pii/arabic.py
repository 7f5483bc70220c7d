"""Person names in Arabic script, from a given-name list and context, without a model."""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from agent.pii.given_names import family_names, given_names
from agent.pii.ids import result
from agent.pii.lexicon import (
    AR_AMBIGUOUS_NAMES,
    AR_CLOSINGS,
    AR_GIVEN_NAMES,
    AR_GREETINGS,
    AR_HONORIFICS,
    AR_IN_NAME_OF,
    AR_KUNYA,
    AR_LABELS,
    AR_NAME_LINKS,
    AR_NAMED_THINGS,
    AR_NOT_NAMES,
    AR_WEAK_CUES,
    normalize_ar,
)

_AR_WORD = re.compile(r"[\u0621-\u064a\u0660-\u0669\u0671-\u06d3\u064b-\u065f\u0670\u0640]+")
_AR_PREFIXES = ("و", "ل", "ف", "ب")  # clitics glued to a name: "ولمحمد", "لأحمد"


def _listed_names() -> tuple[frozenset[str], frozenset[str]]:
    """The generated list's given names the hand list lacks: (unambiguous, ambiguous). The hand
    list decides for the names it holds (محمد is frequent in Arabic text because it is a name)."""
    listed = {n: kind for n, kind in given_names("arabic").items() if n not in AR_GIVEN_NAMES}
    return (
        frozenset(n for n, kind in listed.items() if kind == "name"),
        frozenset(n for n, kind in listed.items() if kind != "name"),
    )


class ArabicNameRecognizer(LocalRecognizer):
    """Person names in Arabic script, without a model (none is available offline).

    A name starts at (a) a word from a hand-written list of ~370 common given names (also behind
    a one-letter clitic: و/ل/ف/ب), (b) the word after a title or "my name is" (السيد، الدكتورة،
    اسمي ...), (c) the first word of the line after a sign-off (مع تحياتي، شكرا), or (d) "عبد".
    It extends over following given names, name particles (بن، أبو، آل، عبد) and "al-" family
    names (الأنصاري), and in contexts (b)/(c) over any word that is not a known non-name, up to four
    words. Rare given names outside the list, with no title or sign-off, are missed.
    """

    SCORE_LIST = 0.7
    SCORE_CONTEXT = 0.8

    def load(self) -> None:
        """The given- and family-name lists (agent/pii/lists/) join the hand-written ones."""
        names, self.listed_ambiguous = _listed_names()
        # Names that continue a name: the hand list, the unambiguous listed ones, family names.
        self.given = AR_GIVEN_NAMES | names
        self.triggers = self.given | self.listed_ambiguous
        self.family = family_names("arabic")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Scan Arabic words left to right, opening a name at each trigger."""
        words = list(_AR_WORD.finditer(text))
        if not words:
            return []
        # A word ending in a tatweel is the detached article ("الـ VPN"), never the family
        # particle آل that its letters normalise to: an empty key matches no list.
        keys = ["" if w.group().endswith("\u0640") else normalize_ar(w.group()) for w in words]
        out: list[RecognizerResult] = []
        i = 0
        while i < len(words):
            start_word, start_off, in_context = self._trigger(text, words, keys, i)
            if start_word is None:
                i += 1
                continue
            if (
                start_word > 0
                and keys[start_word - 1] in AR_KUNYA
                and _adjacent(text, words[start_word - 1], words[start_word])
                and start_off == words[start_word].start()
            ):  # "أبو نايف", "أم عمر": the father or mother of, a name people go by
                start_off = words[start_word - 1].start()
            j = start_word + 1
            while (
                j < len(words)
                and j - start_word < 4
                and self._continues(text, words, keys, j, in_context)
            ):
                j += 1
            end = words[j - 1].end()
            score = self.SCORE_CONTEXT if in_context else self.SCORE_LIST
            out.append(result(self, start_off, end, score))
            i = j
        return out

    def _given(self, key: str) -> int:
        """Length of a clitic prefix before a listed given name (0: none), or -1."""
        if key in AR_NOT_NAMES:
            return -1  # "لصالح" (for): not ل + the name صالح
        if key in self.triggers:
            return 0
        # A clitic only before a hand-listed name: with the long list, "بداية" (beginning) would
        # read as ب + a rare name.
        if len(key) > 3 and key[0] in _AR_PREFIXES and key[1:] in AR_GIVEN_NAMES:
            return 1
        return -1

    def _trigger(
        self, text: str, words: list[re.Match[str]], keys: list[str], i: int
    ) -> tuple[int | None, int, bool]:
        """Where a name starts at word i: (first word, char offset, found by context?)."""
        key, has_next = keys[i], i + 1 < len(words)
        if (
            has_next
            and key in AR_IN_NAME_OF
            and i > 0
            and keys[i - 1] in AR_NAMED_THINGS
            and _adjacent(text, words[i], words[i + 1])
            and self._name_like(keys[i + 1])
        ):
            return i + 1, words[i + 1].start(), True
        if (
            has_next
            and key in AR_HONORIFICS
            and _adjacent(text, words[i], words[i + 1], ":.")
            and self._name_like(keys[i + 1])
        ):
            return i + 1, words[i + 1].start(), True
        if has_next and key in AR_WEAK_CUES and self._cued_name(text, words, keys, i + 1):
            return i + 1, words[i + 1].start(), True  # "أنا وعد العمري", "معك سلام الحلبي"
        if has_next and key in AR_GREETINGS and self._addressed(text, words, keys, i + 1):
            return i + 1, words[i + 1].start(), False  # "وعليكم السلام حصة،"
        if has_next and key in AR_LABELS and self._name_like(keys[i + 1]):
            gap = text[words[i].end() : words[i + 1].start()]
            if gap.strip() == ":":
                return i + 1, words[i + 1].start(), True
        if has_next and key in AR_CLOSINGS and self._name_like(keys[i + 1]):
            gap = text[words[i].end() : words[i + 1].start()]
            sign_off = (
                gap.count("\n") <= 1
                and gap.strip(" \t\u00a0\n،,:.!-") == ""
                and ("\n" in gap or gap.strip(" \t\u00a0") != "")
            )
            # "شكرا سامي على ..." (thanks Sami for ...): one word between thanks and "for".
            thanks_for = i + 2 < len(words) and keys[i + 2] in ("على", "لحل")
            if sign_off or thanks_for or self._given(keys[i + 1]) >= 0:
                return i + 1, words[i + 1].start(), True
        prefix = self._given(key)
        name = key[prefix:]
        if prefix >= 0 and (
            (name not in AR_AMBIGUOUS_NAMES and name not in self.listed_ambiguous)
            or self._strong_next(i, words, keys, text)
        ):
            return i, words[i].start() + prefix, False
        if key == "عبد" and has_next and _adjacent(text, words[i], words[i + 1]):
            return i, words[i].start(), False
        return None, 0, False

    @staticmethod
    def _name_like(key: str) -> bool:
        return bool(key) and not (key in AR_NOT_NAMES or key in AR_HONORIFICS or key in AR_CLOSINGS)

    def _cued_name(self, text: str, words: list[re.Match[str]], keys: list[str], i: int) -> bool:
        """After "أنا" (I am) or "معك" (you are speaking with): a listed given name, or any
        word before a family name or an "al-" adjective of origin ("وعد العمري")."""
        key = keys[i]
        if not self._name_like(key) or not _adjacent(text, words[i - 1], words[i], "،,"):
            return False
        if key in self.triggers or key in AR_AMBIGUOUS_NAMES:
            return True
        return self._strong_next(i, words, keys, text)

    def _addressed(self, text: str, words: list[re.Match[str]], keys: list[str], i: int) -> bool:
        """After a greeting, a listed name (even one that is also a word) the punctuation
        closes: the person greeted ("أهلين جميل،", "وعليكم السلام حصة،")."""
        key = keys[i]
        listed = key in self.triggers or key in AR_AMBIGUOUS_NAMES
        after = text[words[i].end() : words[i].end() + 2].lstrip(" \t")
        return listed and _adjacent(text, words[i - 1], words[i]) and after[:1] in ("،", ",", "!")

    def _strong_next(self, i: int, words: list[re.Match[str]], keys: list[str], text: str) -> bool:
        """A given name that is also a word (نور "light", يقين "certainty") counts when a
        listed family name, a given name, a particle or an "al-" adjective of origin (a nisba:
        الحربي، العتيبي) follows it; another "al-" word is not enough ("نور الشاشة", the
        screen's brightness)."""
        if i + 1 >= len(words) or not _adjacent(text, words[i], words[i + 1]):
            return False
        nxt = keys[i + 1]
        if not self._name_like(nxt) or nxt in AR_IN_NAME_OF:
            return False  # "طلعت باسم الشركة": issued in the company's name, not Talaat Basem
        return (
            nxt in AR_NAME_LINKS
            or nxt in self.given
            or nxt in self.family
            or (nxt.startswith("ال") and len(nxt) > 4 and nxt.endswith("ي"))
        )

    def _continues(
        self, text: str, words: list[re.Match[str]], keys: list[str], j: int, in_context: bool
    ) -> bool:
        initial = len(keys[j - 1]) == 1  # "ع. الزهراني"
        if not _adjacent(text, words[j - 1], words[j], "." if initial else ""):
            return False
        key, prev = keys[j], keys[j - 1]
        if prev in AR_NAME_LINKS and key and key not in AR_NOT_NAMES:
            return True  # "آل الشيخ": a family name, though الشيخ alone is a title
        if not self._name_like(key) or key in AR_IN_NAME_OF:
            return False
        if prev in AR_NAME_LINKS or key in AR_NAME_LINKS or key in self.given:
            return True
        if key in self.listed_ambiguous and prev in self.triggers:
            return True  # "مروة صبحي": a given name, then her father's (also a word)
        if key in self.family:
            return True
        if key.startswith("ال") and len(key) > 3:
            return True
        return in_context


def _adjacent(text: str, a: re.Match[str], b: re.Match[str], also: str = "") -> bool:
    """Two words belong to one name only if separated by spaces (not punctuation or a newline)."""
    gap = text[a.end() : b.start()]
    return gap.strip(" \t\u00a0" + also) == "" and len(gap) <= 3
