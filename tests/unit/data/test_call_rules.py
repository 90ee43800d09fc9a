"""The call-rules reader on crafted migrations: one test per trap of the real files.

Each trap test also shows that a naive reader (rdflib's ``update`` on the whole file, or
files in another order) gets it wrong, so the test would fail without the handling.
"""

from __future__ import annotations

import os
from datetime import date

import pandas as pd
import pytest
from rdflib import Dataset, Literal, URIRef

from samenleven_analysis.data import call_rules as cr
from samenleven_analysis.data import demo, schemas
from samenleven_analysis.errors import DataError

# The naive reader below calls rdflib directly; its Dataset warns about its own internals.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NEW = "http://lblod.data.gift/vocabularies/subsidie/plan-samenleven/"
OLD = "http://data.lblod.info/vocabularies/plan-samenleven-subsidies/"
RULE = "http://example.org/rules/"
CALL = """PREFIX dct: <http://purl.org/dc/terms/>
PREFIX lblodSubsidie: <http://lblod.data.gift/vocabularies/subsidie/>
PREFIX mobiliteit: <https://data.vlaanderen.be/ns/mobiliteit#>
PREFIX m8g: <http://data.europa.eu/m8g/>
INSERT DATA {
  GRAPH <http://mu.semte.ch/graphs/public> {
    <http://example.org/series/1> a lblodSubsidie:SubsidiemaatregelAanbodReeks ;
      dct:title "Oproep 2022"@nl ;
      mobiliteit:periode <http://example.org/periods/project> ;
      lblodSubsidie:heeftSubsidieprocedurestap <http://example.org/steps/1> .
    <http://example.org/steps/1> mobiliteit:periode <http://example.org/periods/apply> .
    <http://example.org/periods/project>
      m8g:startTime "2022-09-30T22:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> ;
      m8g:endTime "2023-09-30T21:59:59Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
    <http://example.org/periods/apply>
      m8g:startTime "2022-03-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> ;
      m8g:endTime "2022-05-31T21:59:59Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
  }
}
"""


def rule(
    uuid: str,
    objective: str | None,
    description: str | None,
    unit: str,
    maximum: int,
    eur: int,
    vocab: str = NEW,
    typed: bool = False,
) -> str:
    """Turtle for one KPI rule in the layout of the real files (full IRIs, xsd: undeclared)."""
    parts = [f"<{RULE}{uuid}>"]
    if typed:
        parts.append(f"a <{vocab}PlanLivingTogetherSubsidyWithdrawalRule> ;")
    parts.append(f'<http://mu.semte.ch/vocabularies/core/uuid> "{uuid}" ;')
    if objective is not None:
        parts.append(f"<http://www.w3.org/2004/02/skos/core#prefLabel> '{objective}'@nl ;")
    if description is not None:
        parts.append(f"<http://purl.org/dc/terms/description> '{description}'@nl ;")
    parts += [
        f'<{vocab}range/label> "{unit}" ;',
        f'<{vocab}range/maximum> "{maximum}"^^<http://www.w3.org/2001/XMLSchema#integer> ;',
        f'<{vocab}contribution/multiplier> "{eur}"^^<http://www.w3.org/2001/XMLSchema#integer> .',
    ]
    return "    " + "\n      ".join(parts) + "\n"


def insert(*triples: str) -> str:
    return (
        "INSERT DATA {\n  GRAPH <http://mu.semte.ch/graphs/public> {\n"
        + "".join(triples)
        + "  }\n}\n"
    )


def write(folder, name: str, text: str):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def base(tmp_path):
    """A folder with the call (series + periods) and one rule: the minimal valid config."""
    write(tmp_path, "20220301000000-call.sparql", CALL)
    write(
        tmp_path,
        "20220302000000-rules.sparql",
        insert(rule("r1", "Nederlands", "Oefenkansen", "volwassen anderstaligen", 2250, 60)),
    )
    return tmp_path


def naive(folder) -> Dataset:
    """What rdflib does with each file as it stands, in name order."""
    ds = Dataset(default_union=True)
    for path in sorted(folder.glob("*.sparql")):
        ds.update(path.read_text(encoding="utf-8"))
    return ds


# ------------------------------------------------------------------------------- basics
def test_minimal_configuration_gives_one_row_with_all_columns(base):
    frame = cr.read_call_rules(base)
    assert list(frame.columns) == list(cr.COLUMNS)
    row = frame.iloc[0].to_dict()
    assert row["call"] == "Oproep 2022" and row["rule_id"] == "r1"
    assert (row["max_units"], row["eur_per_unit"], row["max_eur"]) == (2250, 60.0, 135000.0)
    assert row["rule_uri"] == f"{RULE}r1"
    # Brussels dates: 2022-09-30T22:00Z is midnight of 1 October in CEST.
    assert (row["project_start"], row["project_end"]) == (date(2022, 10, 1), date(2023, 9, 30))
    assert (row["application_start"], row["application_end"]) == (
        date(2022, 3, 1),
        date(2022, 5, 31),
    )
    schemas.validate(frame, schemas.CALL_RULES, file="crafted")


def test_call_periods(base):
    p = cr.call_periods(base)
    assert p.call == "Oproep 2022" and p.series_uri == "http://example.org/series/1"
    assert p.project_start == date(2022, 10, 1) and p.application_end == date(2022, 5, 31)


# -------------------------------------------------------------------------- trap by trap
def test_two_operations_with_prefixes_only_at_the_top(base):
    # dct: as in the 2022-04-14 file: rdflib drops it for the operation after the ';'.
    text = (
        "PREFIX dct: <http://purl.org/dc/terms/>\n"
        f"PREFIX range: <{NEW}range/>\nPREFIX contribution: <{NEW}contribution/>\n"
        + insert(rule("r2", "Werk", "Begeleiden", "nieuwkomers", 150, 650))
        + ";\n"
        + insert(
            f'    <{RULE}r3> range:label "vrouwen" ; range:maximum "30"^^xsd:integer ;\n'
            f'      dct:description "Tweede operatie" ;\n'
            f'      contribution:multiplier "650"^^xsd:integer .\n'
        )
    )
    write(base, "20220303000000-two-ops.sparql", text)
    with pytest.raises(Exception, match="Unknown namespace prefix : dct"):
        naive(base)
    frame = cr.read_call_rules(base).set_index("rule_id")
    assert frame.loc["r3", "max_units"] == 30 and frame.loc["r3", "eur_per_unit"] == 650.0
    assert frame.loc["r3", "description"] == "Tweede operatie"


def test_undeclared_common_prefix_is_predeclared(base):
    # mu: is predeclared by the portal's store (a mu.semte.ch stack), not by rdflib.
    write(
        base,
        "20220303000000-mu.sparql",
        insert(
            f'    <{RULE}r2> mu:uuid "r2-uuid" ; <{NEW}range/label> "x" ;\n'
            f'      <{NEW}range/maximum> "7"^^xsd:integer ; <{NEW}contribution/multiplier> 9 .\n'
        ),
    )
    with pytest.raises(Exception, match="Unknown namespace prefix : mu"):
        naive(base)
    frame = cr.read_call_rules(base).set_index("rule_id")
    assert frame.loc["r2-uuid", "max_eur"] == 63.0


def test_undeclared_xsd_is_declared_only_where_used(tmp_path):
    # SPARQL 1.1 needs every prefix declared; rdflib's parser happens to know xsd:, the
    # production store predeclared it. The reader declares it, and only where it is used.
    op = cr._Operation(tmp_path / "m.sparql", 0, 1, 'INSERT DATA { <a:s> <a:p> "1"^^xsd:integer }')
    text, line = cr._prepare(op, {})
    assert text.startswith("PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> ") and line == 1
    assert text.count("\n") == op.text.count("\n")  # file line numbers are kept
    own = cr._Operation(op.file, 0, 1, "PREFIX xsd: <http://x/>\n" + op.text)
    assert cr._prepare(own, {})[0] == own.text  # declared: nothing added
    plain = cr._Operation(op.file, 0, 1, "INSERT DATA { <a:s> <a:p> 1 }")
    assert cr._prepare(plain, {})[0] == plain.text  # unused: nothing added
    header = {"xsd": "<http://example.org/xsd#>"}
    assert cr._prepare(op, header)[0].startswith("PREFIX xsd: <http://example.org/xsd#> ")


def test_delete_where_short_form_deletes(base):
    write(
        base,
        "20220303000000-update.sparql",
        f"PREFIX contribution: <{NEW}contribution/>\n"
        "DELETE WHERE {\n  GRAPH ?g {\n"
        f'    <{RULE}r1> contribution:multiplier "60"^^xsd:integer .\n  }}\n}}\n'
        ";\n" + insert(f'    <{RULE}r1> contribution:multiplier "120"^^xsd:integer .\n'),
    )
    raw = write(base, "x.txt", "")  # not a migration: ignored
    raw.unlink()
    frame = cr.read_call_rules(base)
    assert frame["eur_per_unit"].tolist() == [120.0]


def test_delete_where_short_form_is_a_no_op_in_plain_rdflib(tmp_path):
    ds = Dataset(default_union=True)
    ds.update("INSERT DATA { GRAPH <http://g> { <http://s> <http://p> 1 } }")
    ds.update("DELETE WHERE { GRAPH ?g { <http://s> <http://p> ?o } }")
    assert len(list(ds.quads())) == 1  # the trap: nothing was deleted
    ds.update(cr._long_delete_where("DELETE WHERE { GRAPH ?g { <http://s> <http://p> ?o } }"))
    assert len(list(ds.quads())) == 0


def test_a_delete_that_did_not_apply_is_an_error_not_a_silent_choice(base):
    # Two values for one rule's multiplier (what the no-op delete leaves behind).
    write(
        base,
        "20220303000000-dup.sparql",
        insert(
            f'    <{RULE}r1> <{NEW}contribution/multiplier> "120"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        ),
    )
    with pytest.raises(DataError, match="multiplier of rule .* has 2 values"):
        cr.read_call_rules(base)


def test_vocabulary_deleted_and_reinserted_under_another(tmp_path):
    write(tmp_path, "20220301000000-call.sparql", CALL)
    write(
        tmp_path,
        "20220317000000-old.sparql",
        insert(
            rule(
                "r1", "Werk", "Begeleiden naar werk", "nieuwkomers", 150, 650, vocab=OLD, typed=True
            ),
            rule("r2", None, None, "55-plussers", 75, 650, vocab=OLD, typed=True),
        ),
    )
    write(
        tmp_path,
        "20220414000000-fix.sparql",
        "PREFIX mu: <http://mu.semte.ch/vocabularies/core/>\n"
        "DELETE WHERE {\n  GRAPH ?g {\n"
        f"   ?s a <{OLD}PlanLivingTogetherSubsidyWithdrawalRule>;\n     ?p ?o.\n  }}\n}}\n\n;\n\n"
        + insert(
            rule(
                "r1",
                "Werk arbeidsmarkt",
                "Begeleiden naar werk",
                "nieuwkomers",
                150,
                650,
                typed=True,
            ),
            rule("r2", "Werk arbeidsmarkt", None, "55-plussers", 75, 650, typed=True),
        ),
    )
    # Naively the old rules survive next to the new ones (same ids, two vocabularies).
    olds = list(naive(tmp_path).triples((None, URIRef(f"{OLD}range/maximum"), None)))
    assert len(olds) == 2
    frame = cr.read_call_rules(tmp_path)
    assert frame["rule_id"].tolist() == ["r1", "r2"]
    assert set(frame["objective"]) == {"Werk arbeidsmarkt"}
    history = cr.call_rules_history(tmp_path)
    changed = history[history["field"] == "objective"]
    assert changed["migration"].unique().tolist() == ["20220414000000-fix.sparql"]
    assert changed.set_index("item").loc["r1", ["before", "after"]].tolist() == [
        "Werk",
        "Werk arbeidsmarkt",
    ]


def test_rule_without_description_takes_its_action_from_the_rule_before(tmp_path):
    write(tmp_path, "20220301000000-call.sparql", CALL)
    write(
        tmp_path,
        "20220302000000-rules.sparql",
        insert(
            rule("z9", "Netwerk", "In contact brengen met sport", "jongeren", 150, 210),
            rule("a1", "Netwerk", None, "personen met een handicap", 30, 210),
            rule("m5", "Non-discriminatie", None, "burgers", 150, 90),
        ),
    )
    frame = cr.read_call_rules(tmp_path)
    # Row order is the order of the file, not of the ids or URIs.
    assert frame["rule_id"].tolist() == ["z9", "a1", "m5"]
    assert frame["description"].tolist() == ["In contact brengen met sport", "", ""]
    assert frame["action"].tolist() == ["In contact brengen met sport"] * 2 + [""]
    # An RDF store keeps no order: sorted by URI the 2nd-group rule would come first.
    assert min(frame["rule_uri"]) == f"{RULE}a1"


def test_migrations_apply_in_file_name_order(tmp_path):
    # Written (and listed by mtime) update first, base second; names say base first.
    write(
        tmp_path,
        "20220613000000-update.sparql",
        "DELETE DATA { GRAPH <http://mu.semte.ch/graphs/public> {\n"
        f'  <{RULE}r1> <{NEW}contribution/multiplier> "12500"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        "} }\n;\n"
        + insert(f'    <{RULE}r1> <{NEW}contribution/multiplier> "25000"^^xsd:integer .\n'),
    )
    os.utime(tmp_path / "20220613000000-update.sparql", (1, 1))
    write(tmp_path, "20220301000000-call.sparql", CALL)
    write(
        tmp_path,
        "20220317000000-rules.sparql",
        insert(rule("r1", "Veiligheid", "Actieplan polarisatie", "lokaal actieplan", 1, 12500)),
    )
    assert [p.name[:8] for p in cr.migration_files(tmp_path)] == [
        "20220301",
        "20220317",
        "20220613",
    ]
    frame = cr.read_call_rules(tmp_path)
    assert frame["eur_per_unit"].tolist() == [25000.0]
    history = cr.call_rules_history(tmp_path)
    assert history[["item", "field", "before", "after"]].values.tolist() == [
        ["r1", "eur_per_unit", 12500.0, 25000.0]
    ]


def test_history_reports_period_changes(base):
    write(
        base,
        "20220613000000-period.sparql",
        "PREFIX m8g: <http://data.europa.eu/m8g/>\n"
        "DELETE WHERE { GRAPH <http://mu.semte.ch/graphs/public> {\n"
        "  <http://example.org/periods/apply> m8g:endTime ?end . } }\n;\n"
        + insert(
            "    <http://example.org/periods/apply> m8g:endTime "
            '"2022-07-01T21:59:59Z"^^xsd:dateTime .\n'
        ),
    )
    assert cr.call_periods(base).application_end == date(2022, 7, 1)
    h = cr.call_rules_history(base)
    assert h[["item", "field", "before", "after"]].values.tolist() == [
        ["call", "application_end", date(2022, 5, 31), date(2022, 7, 1)]
    ]


def test_semicolon_line_inside_a_string_or_braces_does_not_split(base):
    write(
        base,
        "20220303000000-odd.sparql",
        insert(
            f'    <{RULE}r2> <http://purl.org/dc/terms/description> """two\n;\nlines"""@nl ;\n'
            f'      <{NEW}range/label> "x" ;\n'
            f"      <{NEW}range/maximum> 1 \n;\n      <{NEW}contribution/multiplier> 5 .\n"
        ),
    )
    frame = cr.read_call_rules(base).set_index("rule_id")
    assert frame.loc["r2", "description"] == "two\n;\nlines" and frame.loc["r2", "max_eur"] == 5.0


def test_prefix_declared_by_the_operation_itself_wins_over_the_header(base):
    write(
        base,
        "20220303000000-own.sparql",
        "PREFIX c: <http://wrong.example/>\n" + insert("") + ";\n"
        f"PREFIX c: <{NEW}contribution/>\n" + insert(f"    <{RULE}r1> c:multiplier 61 .\n"),
    )
    with pytest.raises(DataError, match="2 values"):  # 60 and 61 on the right predicate
        cr.read_call_rules(base)


# ---------------------------------------------------------------------------- bad input
def test_syntax_error_names_file_and_line(base):
    bad = write(
        base,
        "20220303000000-bad.sparql",
        "PREFIX x: <http://x/>\n\nINSERT DATA {\n  GRAPH <http://g> {\n"
        "    <http://s> x:p 1 .\n    <http://s> x:p  .\n  }\n}\n",
    )
    with pytest.raises(DataError) as info:
        cr.read_call_rules(base)
    msg = str(info.value)
    assert "\n" not in msg and bad.name in msg and info.value.row is not None
    # pyparsing backtracks to the start of the failing operation at worst (line 3).
    assert 3 <= info.value.row <= 6


def test_syntax_error_in_a_second_operation_reports_the_file_line(base):
    bad = write(
        base,
        "20220303000000-bad.sparql",
        f"PREFIX c: <{NEW}contribution/>\n"
        + insert(f"    <{RULE}r1> c:multiplier 61 .\n")
        + ";\nINSERT DATA {\n  GRAPH <http://g> {\n    <http://s> c:p ] .\n  }\n}\n",
    )
    with pytest.raises(DataError) as info:
        cr.read_call_rules(base)
    # A line of the file, inside the second operation (lines 8-12), not of the operation.
    assert bad.name in str(info.value) and 8 <= info.value.row <= 10
    assert "operation 2" in str(info.value)


def test_unknown_undeclared_prefix_names_the_line(base):
    write(base, "20220303000000-bad.sparql", "\n" + insert("    <http://s> foo:p 1 .\n"))
    with pytest.raises(DataError, match="prefix 'foo'") as info:
        cr.read_call_rules(base)
    assert info.value.row == 4


def test_folder_without_migrations(tmp_path):
    (tmp_path / "form.ttl").write_text("")
    with pytest.raises(DataError, match="no SPARQL migrations") as info:
        cr.read_call_rules(tmp_path)
    assert str(tmp_path) in str(info.value)
    with pytest.raises(DataError, match="not found"):
        cr.read_call_rules(tmp_path / "missing")


def test_final_state_without_kpi_rule(tmp_path):
    write(tmp_path, "20220301000000-call.sparql", CALL)
    with pytest.raises(DataError, match="no KPI rule") as info:
        cr.read_call_rules(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_rules_without_a_call_are_an_error(tmp_path):
    write(tmp_path, "20220302000000-rules.sparql", insert(rule("r1", "a", "b", "c", 1, 1)))
    with pytest.raises(DataError, match="no call"):
        cr.read_call_rules(tmp_path)


def test_non_numeric_maximum(base):
    write(
        base,
        "20220303000000-bad.sparql",
        insert(
            f'    <{RULE}r9> <{NEW}range/maximum> "many" ; <{NEW}contribution/multiplier> 5 .\n'
        ),
    )
    with pytest.raises(DataError, match="not a number"):
        cr.read_call_rules(base)


# ---------------------------------------------------------------------------- Demoland
def test_demo_twin_reads_back_through_the_real_reader(tmp_path):
    write(tmp_path, demo.DEMO_CALL_RULES_FILE, demo.call_rules_sparql().decode())
    pd.testing.assert_frame_equal(cr.read_call_rules(tmp_path), demo.demo_call_rules())


def test_demo_twin_is_fictional_and_deterministic(demo_dir):
    frame = demo.demo_call_rules()
    assert frame.equals(demo.demo_call_rules())
    assert frame["rule_id"].str.startswith("demo-").all()
    assert (
        frame["objective"].str.startswith("Demo").all()
        and frame["call"].str.startswith("Demo").all()
    )
    assert (frame["description"] == "").sum() == 1  # like a 2nd target group in the real call
    schemas.validate(frame, schemas.CALL_RULES, file="demo")
    assert (demo_dir / demo.DEMO_CALL_RULES_FILE).read_bytes() == demo.call_rules_sparql()


def test_schema_rejects_inconsistent_max_eur():
    frame = demo.demo_call_rules()
    frame.loc[0, "max_eur"] = 1.0
    with pytest.raises(DataError, match="call_rules"):
        schemas.validate(frame, schemas.CALL_RULES, file="x")


def test_literal_helpers():
    assert cr._local_date(
        Literal(
            "2022-06-30T22:30:00Z", datatype=URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
        )
    ) == date(2022, 7, 1)
    assert cr._used_prefixes('x:a "y:b" <http://z/c:d> # w:e\n_:b1 ?v') == {"x": 0}
