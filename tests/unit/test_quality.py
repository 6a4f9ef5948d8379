"""The quality gate: suites agree with schemas.py, valid data passes, and each kind of
corruption fails with a report naming the table and the expectation."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import quality
from pipeline.quality import SuiteError, load_suite, validate_folder, validate_tables
from pipeline.schemas import TABLES
from tests.fixtures_tables import empty_table, mini_tables, write_tables

SUITES = quality.default_suites_dir()
IN_SET = "expect_column_values_to_be_in_set"
NOT_NULL = "expect_column_values_to_not_be_null"
A_GT_B = "expect_column_pair_values_a_to_be_greater_than_b"


def raw_suite(table: str) -> list[dict]:
    return json.loads((SUITES / f"{table}.json").read_text())["expectations"]


def failed(report, table: str, expectation: str, column: str | None = None, critical=True):
    """The failures matching table/expectation (and column), after checking the report
    fails and its text names them."""
    hits = [f for f in report.failures if f.table == table and f.expectation == expectation
            and (column is None or f.column == column) and f.critical == critical]
    assert hits, f"no {table}/{expectation}/{column} failure in:\n{report.format()}"
    if critical:
        assert not report.success
    text = report.format()
    assert table in text and expectation in text
    return hits


# ------------------------------------------------------------------ suites vs schemas
@pytest.mark.parametrize("table", list(TABLES))
def test_every_suite_loads_with_exactly_its_expectations(table):
    suite = load_suite(SUITES / f"{table}.json")
    assert suite.name == table
    assert len(suite.expectations) == len(raw_suite(table))


def test_a_misspelled_expectation_type_raises(tmp_path):
    bad = {"name": "runs", "expectations": [
        {"type": "expect_column_values_to_not_be_nul", "kwargs": {"column": "run_id"},
         "meta": {"critical": True, "why": "typo"}}]}
    path = tmp_path / "runs.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(SuiteError, match="expect_column_values_to_not_be_nul"):
        load_suite(path)


def test_a_bad_placeholder_raises(tmp_path):
    bad = {"name": "claims", "expectations": [
        {"type": IN_SET, "kwargs": {"column": "doc_id", "value_set": {"$ref": "documents.docid"}},
         "meta": {"critical": True, "why": "typo in the referenced column"}}]}
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(SuiteError, match="documents.docid"):
        load_suite(path)


def test_enums_in_suites_equal_those_in_schemas():
    for name, spec in TABLES.items():
        sets = {e["kwargs"]["column"]: e["kwargs"]["value_set"] for e in raw_suite(name)
                if e["type"] == IN_SET and isinstance(e["kwargs"]["value_set"], list)}
        for column in spec.columns:
            enum = spec.enum_of(column)
            if enum is not None:
                assert sets.get(column) == list(enum), f"{name}.{column}"


def test_every_required_column_has_a_not_null_expectation():
    for name, spec in TABLES.items():
        covered = {e["kwargs"]["column"] for e in raw_suite(name) if e["type"] == NOT_NULL}
        required = {f.name for f in spec.schema if not f.nullable}
        assert required <= covered, f"{name}: no not-null for {sorted(required - covered)}"


def test_every_primary_key_is_unique_and_every_foreign_key_resolves():
    for name, spec in TABLES.items():
        suite = raw_suite(name)
        if len(spec.primary_key) == 1:
            unique = [e for e in suite if e["type"] == "expect_column_values_to_be_unique"
                      and e["kwargs"]["column"] == spec.primary_key[0]]
        else:
            unique = [e for e in suite if e["type"] == "expect_compound_columns_to_be_unique"
                      and e["kwargs"]["column_list"] == list(spec.primary_key)]
        assert unique, f"{name}: primary key {spec.primary_key} not checked unique"
        refs = {(e["kwargs"]["column"], e["kwargs"]["value_set"]["$ref"]) for e in suite
                if e["type"] == IN_SET and isinstance(e["kwargs"]["value_set"], dict)}
        for fk in spec.foreign_keys:
            assert (fk.column, f"{fk.table}.{fk.ref_column}") in refs, f"{name}: {fk}"


def test_suites_dir_can_be_overridden(monkeypatch, tmp_path):
    monkeypatch.setenv(quality.ENV_SUITES_DIR, str(tmp_path))
    assert quality.default_suites_dir() == tmp_path
    with pytest.raises(FileNotFoundError, match=quality.ENV_SUITES_DIR):
        validate_tables({"runs": mini_tables()["runs"]})


# ------------------------------------------------------------------ valid data
def test_the_mini_dataset_passes():
    report = validate_tables(mini_tables())
    assert report.success, report.format()
    assert report.failures == []
    assert report.checked == {name: len(raw_suite(name)) for name in TABLES}
    assert report.summary() == f"9 tables, {sum(report.checked.values())} expectations, 0 critical failures"


def test_empty_tables_pass():
    report = validate_tables({name: empty_table(name) for name in TABLES})
    assert report.success, report.format()


# ------------------------------------------------------------------ corruptions
def test_null_key():
    tables = mini_tables()
    tables["claims"].loc[0, "claim_id"] = None
    report = validate_tables(tables, only=["claims"])
    failed(report, "claims", NOT_NULL, "claim_id")


def test_duplicate_key():
    tables = mini_tables()
    tables["documents"].loc[1, "doc_id"] = tables["documents"].loc[0, "doc_id"]
    report = validate_tables(tables, only=["documents"])
    [hit] = failed(report, "documents", "expect_column_values_to_be_unique", "doc_id")
    assert hit.examples == ["doc-a"]


def test_duplicate_compound_key():
    tables = mini_tables()
    tables["corpus_metrics"].loc[1, "subject_norm"] = "__all__"
    report = validate_tables(tables, only=["corpus_metrics"])
    failed(report, "corpus_metrics", "expect_compound_columns_to_be_unique", "run_id, subject_norm")


def test_unknown_enum_value():
    tables = mini_tables()
    tables["contradictions"].loc[0, "verdict"] = "maybe"
    report = validate_tables(tables, only=["contradictions"])
    [hit] = failed(report, "contradictions", IN_SET, "verdict")
    assert hit.examples == ["maybe"]
    assert len(report.failures) == 1


def test_offsets_outside_the_document():
    tables = mini_tables()
    n_chars = int(tables["documents"].set_index("doc_id").loc["doc-b", "n_chars"])
    tables["claims"].loc[1, "char_end"] = n_chars + 5
    report = validate_tables(tables, only=["claims"])
    [hit] = failed(report, "claims", A_GT_B, "document_n_chars, char_end")
    assert "documents.n_chars" in hit.detail
    assert hit.examples == [[n_chars, n_chars + 5]]


def test_claim_whose_document_is_missing():
    tables = mini_tables()
    tables["claims"].loc[0, "doc_id"] = "doc-gone"
    report = validate_tables(tables, only=["claims"])
    [hit] = failed(report, "claims", IN_SET, "doc_id")
    assert hit.examples == ["doc-gone"]
    assert "documents.doc_id" in hit.detail


def test_contradiction_with_a_dangling_claim_id():
    tables = mini_tables()
    tables["contradictions"].loc[0, "claim_id_b"] = "c-9"
    report = validate_tables(tables, only=["contradictions"])
    [hit] = failed(report, "contradictions", IN_SET, "claim_id_b")
    assert hit.examples == ["c-9"]


def test_contradiction_pairing_a_claim_with_itself():
    tables = mini_tables()
    contradictions = tables["contradictions"]
    contradictions.loc[0, ["claim_id_b", "doc_id_b"]] = ["c-1", "doc-a"]
    report = validate_tables(tables, only=["contradictions"])
    [hit] = failed(report, "contradictions", A_GT_B, "claim_id_b, claim_id_a")
    assert hit.examples == [["c-1", "c-1"]]


def test_rate_outside_the_unit_interval():
    tables = mini_tables()
    tables["document_metrics"].loc[0, "self_contradiction_rate"] = 1.5
    report = validate_tables(tables, only=["document_metrics"])
    [hit] = failed(report, "document_metrics", "expect_column_values_to_be_between",
                   "self_contradiction_rate")
    assert hit.examples == [1.5]


def test_claims_empty_while_documents_has_rows():
    tables = mini_tables()
    tables["claims"] = empty_table("claims")
    report = validate_tables(tables, only=["claims"])
    [hit] = failed(report, "claims", "expect_table_row_count_to_be_between")
    assert hit.examples == [0]


def test_a_referenced_table_that_is_not_given_fails_loudly():
    report = validate_tables({"claims": mini_tables()["claims"]})
    hits = failed(report, "claims", IN_SET, "doc_id")
    assert "not evaluated" in hits[0].detail


# ------------------------------------------------------------------ validate_folder
@pytest.fixture(scope="module")
def corrupted_folder_report(tmp_path_factory):
    """A published folder where claims lost a column, documents gained one (both written
    with pyarrow directly, bypassing io.write_table's check) and rejects is missing."""
    folder = tmp_path_factory.mktemp("processed")
    tables = mini_tables()
    del tables["rejects"]
    write_tables(tables, folder)
    for name, change in (("claims", "drop"), ("documents", "add")):
        frame = tables[name]
        schema = TABLES[name].schema
        if change == "drop":
            frame = frame.drop(columns=["dose_level"])
            schema = schema.remove(schema.get_field_index("dose_level"))
        else:
            frame = frame.assign(notes="x")
            schema = schema.append(pa.field("notes", pa.string()))
        for old in (folder / name).iterdir():
            old.unlink()
        pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False),
                       folder / name / "part-00000.parquet")
    return validate_folder(folder)


def test_folder_with_a_missing_column(corrupted_folder_report):
    failed(corrupted_folder_report, "claims", "missing_column", "dose_level")


def test_folder_with_an_extra_column(corrupted_folder_report):
    failed(corrupted_folder_report, "documents", "extra_column", "notes")


def test_folder_with_a_missing_table(corrupted_folder_report):
    failed(corrupted_folder_report, "rejects", "missing_table")
    assert corrupted_folder_report.checked["rejects"] == 0


def test_folder_reports_nothing_but_the_corruptions(corrupted_folder_report):
    """Everything else read back from Parquet (types included) validates cleanly; the
    missing column also makes its enum expectation unevaluable, and says so."""
    assert {(f.table, f.expectation, f.column) for f in corrupted_folder_report.failures} == {
        ("claims", "missing_column", "dose_level"),
        ("claims", IN_SET, "dose_level"),
        ("documents", "extra_column", "notes"),
        ("rejects", "missing_table", None),
    }
    assert sum(corrupted_folder_report.checked.values()) == sum(
        len(raw_suite(name)) for name in TABLES if name != "rejects")


# ------------------------------------------------------------------ what validate_folder reads
def test_folder_reads_no_text_column_when_the_footers_count_no_nulls(tmp_path, monkeypatch):
    """Text columns are only checked for nulls: with no null in the Parquet statistics they
    are not read (GX checks a stand-in without nulls), and columns no expectation uses are
    not read either."""
    write_tables(mini_tables(), tmp_path)
    read: dict[str, list] = {}
    real = quality.read_table

    def spy(folder, name, columns=None):
        read[name] = columns
        return real(folder, name, columns=columns)
    monkeypatch.setattr(quality, "read_table", spy)
    report = validate_folder(tmp_path)
    assert report.success, report.format()
    assert report.checked == {name: len(raw_suite(name)) for name in TABLES}
    assert "text" not in read["documents"] and "text" not in read["sentences"]
    assert "sentence_text" not in read["claims"] and "explanation" not in read["contradictions"]
    assert "doc_id" in read["documents"] and "n_chars" in read["documents"]


@pytest.mark.parametrize("table, column", [("documents", "text"), ("sentences", "text"),
                                           ("claims", "sentence_text")])
def test_folder_catches_a_null_in_a_text_column(tmp_path, table, column):
    tables = mini_tables()
    write_tables(tables, tmp_path)
    frame = tables[table]
    frame[column] = frame[column].astype(object)
    frame.loc[0, column] = None
    schema = TABLES[table].schema
    schema = schema.set(schema.get_field_index(column), schema.field(column).with_nullable(True))
    for old in (tmp_path / table).iterdir():
        old.unlink()
    pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False),
                   tmp_path / table / "part-00000.parquet")
    report = validate_folder(tmp_path)
    [hit] = failed(report, table, NOT_NULL, column)
    assert f"1 of {len(frame)} rows fail" in hit.detail


def test_narrow_integer_columns_are_checked(tmp_path):
    """sentence_index is int32 (GX compares it row by row unless widened): still checked."""
    tables = mini_tables()
    tables["sentences"].loc[1, "sentence_index"] = -1
    assert str(tables["sentences"]["sentence_index"].dtype) == "int32"
    report = validate_tables(tables, only=["sentences"])
    [hit] = failed(report, "sentences", "expect_column_values_to_be_between", "sentence_index")
    assert hit.examples == [-1]
