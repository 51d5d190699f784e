"""A small demo code system loaded on the first start of the embedded default, so the run
command shows something real: a slice of ICD-10 chapter I (infectious diseases) with its
hierarchy, synonyms, a definition, mappings and one version."""

from __future__ import annotations

from revisions import Create, RevisionStore

CODESYSTEM = "DEMO"
# (code, parent, preferred name, synonyms)
CONCEPTS: list[tuple[str, str | None, str, list[str]]] = [
    ("I", None, "Certain infectious and parasitic diseases", []),
    ("A00-A09", "I", "Intestinal infectious diseases", []),
    ("A00", "A00-A09", "Cholera", []),
    ("A00.0", "A00", "Cholera due to Vibrio cholerae 01, biovar cholerae", ["Classical cholera"]),
    ("A00.1", "A00", "Cholera due to Vibrio cholerae 01, biovar eltor", ["Cholera eltor"]),
    ("A01", "A00-A09", "Typhoid and paratyphoid fevers", ["Enteric fever"]),
    ("A01.0", "A01", "Typhoid fever", ["Infection due to Salmonella typhi"]),
    ("A01.1", "A01", "Paratyphoid fever A", []),
    (
        "A09",
        "A00-A09",
        "Infectious gastroenteritis and colitis, unspecified",
        ["Infectious diarrhoea"],
    ),
    ("A15-A19", "I", "Tuberculosis", []),
    ("A15", "A15-A19", "Respiratory tuberculosis", []),
    ("A15.0", "A15", "Tuberculosis of lung", ["Pulmonary tuberculosis"]),
    ("A15.1", "A15", "Tuberculosis of lung, confirmed by culture only", []),
    ("A17", "A15-A19", "Tuberculosis of nervous system", []),
    ("A17.0", "A17", "Tuberculous meningitis", ["Tuberculosis of meninges"]),
    ("A90-A99", "I", "Arthropod-borne viral fevers and viral haemorrhagic fevers", []),
    ("A90", "A90-A99", "Dengue fever [classical dengue]", ["Dengue"]),
    ("A91", "A90-A99", "Dengue haemorrhagic fever", []),
    ("A95", "A90-A99", "Yellow fever", []),
    ("B50-B64", "I", "Protozoal diseases", []),
    ("B50", "B50-B64", "Plasmodium falciparum malaria", ["Malignant tertian malaria"]),
    ("B54", "B50-B64", "Unspecified malaria", ["Malaria"]),
]
DEFINITION = ("A15.0", "Tuberculosis of the lung, with or without bacteriological confirmation.")
MAPPINGS = [
    ("A15.0", "SNOMED-CT", "154283005", "Pulmonary tuberculosis"),
    ("A90", "SNOMED-CT", "38362002", "Dengue"),
    ("B54", "SNOMED-CT", "61462000", "Malaria"),
]


def changes() -> list[Create]:
    result: list[Create] = []
    for code, parent, name, synonyms in CONCEPTS:
        result.append(
            Create(
                "concept",
                code,
                {"concept_class": "Diagnosis", "parents": [parent] if parent else []},
            )
        )
        result.append(
            Create(
                "description",
                f"{code}-fsn",
                {"concept_id": code, "term": name, "type": "FSN", "preferred": True},
            )
        )
        for i, synonym in enumerate(synonyms):
            result.append(
                Create(
                    "description",
                    f"{code}-syn{i}",
                    {"concept_id": code, "term": synonym, "type": "SYNONYM"},
                )
            )
    code, text = DEFINITION
    result.append(
        Create(
            "description", f"{code}-def", {"concept_id": code, "term": text, "type": "DEFINITION"}
        )
    )
    for code, system, target, name in MAPPINGS:
        result.append(
            Create(
                "mapping",
                f"{code}-{system}",
                {
                    "source_id": code,
                    "map_type": "SAME-AS",
                    "target_code_system": system,
                    "target_code": target,
                    "target_name": name,
                },
            )
        )
    return result


def load_demo(store: RevisionStore) -> bool:
    """Load the demo code system unless the store already has code systems."""
    if store.codesystems.list():
        return False
    store.codesystems.create(
        CODESYSTEM, "Demo: ICD-10 chapter I (excerpt)", metadata={"language": "en"}
    )
    store.commit(f"MAIN/{CODESYSTEM}", "snowpath", "Demo content", changes())
    store.codesystems.create_version(CODESYSTEM, "2024", "20240101", "Demo version")
    return True
