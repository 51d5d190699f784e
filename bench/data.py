"""A synthetic, SNOMED-sized terminology for benchmarks: deterministic, generated lazily.

:class:`Terminology` describes the data set (ids, hierarchy, mapping ends) from a ``scale``
and a ``seed``; :meth:`Terminology.components` hands ``RevisionStore.bulk_load`` one
generator per component type, so memory stays bounded however large the set is. At scale
1.0: 350,000 concepts in a hierarchy about 10 levels deep (a few % with two parents),
1,000,000 descriptions (an FSN, a preferred synonym and sometimes another synonym per
concept) and 500,000 mappings between concepts. Term parts come from a cheap integer hash
of the concept's index rather than a random generator, so descriptions can be regenerated
without replaying the concepts, and generating a row costs about a microsecond. Both
benchmarks read from :data:`TASK`, a branch three levels deep (``MAIN/proj`` with 1% of the
concepts changed, its child with 0.1% more).
"""

from __future__ import annotations

import random
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

CONCEPTS = 350_000
DESCRIPTIONS = 1_000_000
MAPPINGS = 500_000
SECOND_PARENT_SHARE = 0.03
MODULE = "900000000000207008"
TASK = "MAIN/proj/task"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


_FINDINGS = _words(
    "Fracture|Dislocation|Sprain|Contusion|Laceration|Abscess|Neoplasm|Cyst|Inflammation|"
    "Infection|Ulcer|Stenosis|Hypertrophy|Atrophy|Necrosis|Haemorrhage|Thrombosis|"
    "Embolism|Aneurysm|Fistula|Hernia|Calculus|Obstruction|Perforation|Rupture|Deformity|"
    "Malformation|Degeneration|Fibrosis|Oedema|Ischaemia|Infarction|Erosion|Polyp|"
    "Prolapse|Torsion|Adhesion|Calcification|Dysplasia|Hyperplasia|Excision|Biopsy|"
    "Repair|Reconstruction|Drainage|Resection|Imaging|Injection|Amputation|"
    "Transplantation|Fixation|Aspiration|Incision|Ligation|Debridement|Dilation|"
    "Catheterisation|Stent insertion|Examination|Ultrasonography"
)
_SITES = _words(
    "femur|tibia|fibula|humerus|radius|ulna|clavicle|scapula|patella|pelvis|sacrum|"
    "coccyx|cervical spine|thoracic spine|lumbar spine|skull|mandible|maxilla|orbit|"
    "nasal bone|rib|sternum|hip joint|knee joint|ankle joint|shoulder joint|elbow joint|"
    "wrist joint|hand|foot|finger|toe|heart|aorta|coronary artery|carotid artery|"
    "pulmonary artery|lung|bronchus|trachea|larynx|pharynx|oesophagus|stomach|duodenum|"
    "jejunum|ileum|colon|rectum|anus|liver|gallbladder|bile duct|pancreas|spleen|kidney|"
    "ureter|urinary bladder|urethra|prostate|testis|ovary|uterus|cervix uteri|breast|"
    "thyroid gland|adrenal gland|pituitary gland|brain|spinal cord|retina|cornea|lens|"
    "middle ear|skin|lymph node|tongue|parotid gland|appendix|peritoneum"
)
_QUALIFIERS = _words(
    "|||Acute|Chronic|Recurrent|Congenital|Traumatic|Open|Closed|Partial|Complete|"
    "Primary|Secondary|Simple|Complex|Bilateral|Multiple|Post-operative|Pathological"
)
_LATERALITY = ("", "", "left", "right")
_PROCEDURES_FROM = _FINDINGS.index("Excision")  # the rest of _FINDINGS are procedures
_MAP_TYPES = ("SAME-AS", "NARROWER-THAN", "BROADER-THAN", "REPLACED-BY", "POSSIBLY-EQUIVALENT-TO")


@dataclass(frozen=True, slots=True)
class Sizes:
    concepts: int
    descriptions: int
    mappings: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(
            max(10, round(CONCEPTS * scale)),
            max(20, round(DESCRIPTIONS * scale)),
            max(10, round(MAPPINGS * scale)),
        )

    @property
    def total(self) -> int:
        return self.concepts + self.descriptions + self.mappings


def _sctid(item: int, partition: str) -> str:
    """An SCTID-shaped id: item number, partition, and a cheap stand-in for the check digit."""
    return f"{item}{partition}{item % 10}"


class Terminology:
    """The data set at one scale; ids in index order, mapping ends precomputed (compact)."""

    def __init__(self, scale: float = 1.0, seed: int = 20240131) -> None:
        self.sizes = Sizes.at(scale)
        self.seed = seed
        n = self.sizes.concepts
        # Equal-length ids, so string order (the store's id order) is index order.
        self.concept_ids = [_sctid(100_000 + i, "00") for i in range(n)]
        rng = random.Random(seed)
        self.map_sources = array("I", (rng.randrange(n) for _ in range(self.sizes.mappings)))
        self.map_targets = array(
            "I", ((s + 1 + rng.randrange(n - 1)) % n for s in self.map_sources)
        )

    def components(self) -> dict[str, Iterator[tuple[str, dict[str, Any]]]]:
        """The argument for ``bulk_load``: concepts first, then what refers to them."""
        return {
            "concept": self.concepts(),
            "description": self.descriptions(),
            "mapping": self.mappings(),
        }

    def referenced(self) -> set[str]:
        """Ids of concepts that a mapping or another concept's ``parents`` points at:
        deleting them is refused."""
        ids = {self.concept_ids[t] for t in set(self.map_targets)}
        for _, fields in self.concepts():
            ids.update(fields["parents"])
        return ids

    def concepts(self) -> Iterator[tuple[str, dict[str, Any]]]:
        ids = self.concept_ids
        rng = random.Random(self.seed + 1)
        for i, cid in enumerate(ids):
            if i == 0:
                parents: list[str] = []
            else:
                # A parent among the concepts a third to a quarter of the way back: depth ~10.
                parents = [ids[rng.randint(i // 4, max(i // 3, i // 4))]]
                if i > 10 and rng.random() < SECOND_PARENT_SHARE:
                    other = ids[rng.randrange(i)]
                    if other != parents[0]:
                        parents.append(other)
            klass = _kind(i)[0]
            yield (
                cid,
                {"active": True, "module_id": MODULE, "concept_class": klass, "parents": parents},
            )

    def descriptions(self) -> Iterator[tuple[str, dict[str, Any]]]:
        n, total = self.sizes.concepts, self.sizes.descriptions
        next_id = 1_000_000
        for i, cid in enumerate(self.concept_ids):
            count = (i + 1) * total // n - i * total // n
            for term, kind, preferred in _terms(i, count):
                yield (
                    _sctid(next_id, "01"),
                    {
                        "concept_id": cid,
                        "term": term,
                        "type": kind,
                        "preferred": preferred,
                        "language_code": "en",
                    },
                )
                next_id += 1

    def mappings(self) -> Iterator[tuple[str, dict[str, Any]]]:
        ids = self.concept_ids
        for k, (s, t) in enumerate(zip(self.map_sources, self.map_targets, strict=True)):
            yield (
                _sctid(2_000_000 + k, "02"),
                {
                    "source_id": ids[s],
                    "target_id": ids[t],
                    "map_type": _MAP_TYPES[k % len(_MAP_TYPES)],
                    "sort_weight": float(k % 7),
                },
            )


def _hash(i: int) -> int:
    return (i * 0x9E3779B1) & 0xFFFFFFFF


def _kind(i: int) -> tuple[str, str]:
    """The concept class and FSN semantic tag of concept ``i``."""
    h = _hash(i)
    if h % len(_FINDINGS) >= _PROCEDURES_FROM:
        return "Procedure", "procedure"
    return "Clinical finding", "disorder" if (h >> 25) & 1 else "finding"


def _terms(i: int, count: int) -> list[tuple[str, str, bool]]:
    """``count`` descriptions of concept ``i``: FSN, preferred synonym, then synonyms."""
    if i == 0:
        base, tag = "SNOMED CT Concept", "SNOMED RT+CTV3"
        site = finding = "concept"
    else:
        h = _hash(i)
        finding = _FINDINGS[h % len(_FINDINGS)]
        site = _SITES[(h >> 7) % len(_SITES)]
        qualifier = _QUALIFIERS[(h >> 14) % len(_QUALIFIERS)]
        side = _LATERALITY[(h >> 20) % len(_LATERALITY)]
        tag = _kind(i)[1]
        text = f"{finding} of {side} {site}" if side else f"{finding} of {site}"
        base = f"{qualifier} {text.lower()}" if qualifier else text
    terms = [(f"{base} ({tag})", "FSN", True), (base, "SYNONYM", True)]
    extra = (f"{site} {finding.lower()}", f"{finding} - {site}", f"{base}, NOS")
    terms += [(extra[j % 3], "SYNONYM", False) for j in range(max(0, count - 2))]
    return terms[:count]


def search_texts(terms: list[str], rng: random.Random) -> list[str]:
    """Typed search texts from description ``terms``, as a user types them: of each term with
    two words or more, its first word's first five letters and its last word's first four
    (``compl cocc``); of three terms in ten, its first word's first six (``comple``). Words
    of two letters or fewer and "of" and "the" are skipped. Sorted, each once."""
    texts = set()
    for term in terms:
        words = re.findall(r"[a-z]+", term.lower())
        words = [w for w in words if len(w) > 2 and w not in ("of", "the")]
        if len(words) >= 2:
            texts.add(f"{words[0][:5]} {words[-1][:4]}")
        if words and rng.random() < 0.3:
            texts.add(words[0][:6])
    return sorted(texts)
