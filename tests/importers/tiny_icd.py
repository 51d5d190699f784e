"""A tiny hand-written ICD-10-CM tabular list in a simple-icd-10-cm-shaped wheel: chapters,
blocks, categories, inclusion terms, seventh characters (one not confirmed by the code
list) and a block named as its only category."""

from __future__ import annotations

import zipfile
from pathlib import Path

TABULAR = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular>
  <version>{year}</version>
  <introduction><introSection type="title"><title>Tabular</title></introSection></introduction>
  <chapter>
    <name>1</name><desc>Chapter one (A00-C7A)</desc>
    <section id="A00-A01"><desc>Block (A00-A01)</desc>
      <diag><name>A00</name><desc>{cholera}</desc>
        <inclusionTerm><note>Cholera morbus</note><note>Asiatic cholera</note></inclusionTerm>
        <diag><name>A00.0</name><desc>Cholera due to x</desc></diag>
        {extra}
      </diag>
      <diag><name>A01</name><desc>Fracture</desc>
        <sevenChrDef>
          <extension char="A">initial encounter</extension><note>for closed</note>
          <extension char="D">subsequent encounter</extension>
        </sevenChrDef>
        <diag><name>A01.1</name><desc>Fracture of x</desc></diag>
      </diag>
    </section>
    <section id="C7A"><desc>Malignant (C7A)</desc>
      <diag><name>C7A</name><desc>Malignant tumors</desc></diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"""
CODES = ["1", "A00-A01", "A00", "A000", "A001", "A01", "A011", "A011XXA", "C7A"]


def write_wheel(
    folder: Path,
    *,
    year: str = "2026",
    cholera: str = "Cholera",
    extra: str = "<diag><name>A00.1</name><desc>Cholera due to y</desc></diag>",
    order_file: bool = False,
    version: str = "9.9.9",
) -> Path:
    """A wheel of the tiny tabular list; ``order_file``: data named and laid out as 2021's."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"simple_icd_10_cm-{version}-py3-none-any.whl"
    tabular = TABULAR.format(year=year, cholera=cholera, extra=extra)
    data = "simple_icd_10_cm/data/"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("simple_icd_10_cm/__init__.py", "")
        if order_file:
            archive.writestr(f"{data}icd10cm_tabular_{year}.xml", tabular)
            lines = [f"{i:05d} {code:<7} 1 short  long" for i, code in enumerate(CODES)]
            archive.writestr(f"{data}icd10cm-order-Jan-{year}.txt", "\n".join(lines))
        else:
            archive.writestr(f"{data}icd10cm-tabular-April-{year}.xml", tabular)
            archive.writestr(f"{data}code-list-April-{year}.txt", "\r\n".join(CODES) + "\r\n")
    return wheel
