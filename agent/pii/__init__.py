"""PII scrubbing for ticket text, before it is logged, stored or sent to a model.

Built on presidio: its analyzer runs our recognisers and its anonymizer swaps spans for typed
placeholders (`<PERSON>`, `<EMAIL>`, `<PHONE>`, `<IBAN>`, `<CARD>`, `<IP_ADDRESS>`, `<URL>`,
`<NATIONAL_ID>`, `<EMPLOYEE_ID>`), one row per recogniser in the entity table
(`agent.pii.entities`, which also says why presidio's defaults are not used as they are).

Cost model (see bench/pii.py): the pattern recognisers take well under a millisecond on a typical
ticket; spaCy NER takes several. Names are therefore found in two tiers: cheap context patterns
(titles, greetings, sign-offs, "my name is", Arabic given names) always run, and the NER model runs
only when `ner=True` and, with `ner_gate=True`, only when the text holds a capitalised word that is
not a stop word or a known product/helpdesk word (a name candidate).

The modules: `spans` (what the scrubber returns), `entities` (the table), `patterns` (e-mail,
phone, IBAN, card, URL), `ids` (national and employee identifiers), `names` (Latin-script names
from context), `arabic` (Arabic-script names), `ner` (the gated spaCy engine), `lexicon` (word
lists), `scrubber` (presidio wired to the table).
"""

from agent.pii.entities import PLACEHOLDERS
from agent.pii.ner import name_candidates, needs_ner, ner_windows
from agent.pii.scrubber import PiiScrubber
from agent.pii.spans import Entity, Scrubbed

__all__ = [
    "PLACEHOLDERS",
    "Entity",
    "PiiScrubber",
    "Scrubbed",
    "name_candidates",
    "needs_ner",
    "ner_windows",
]
