"""Data-quality gate: run the Great Expectations suites in ``expectations/`` on the tables.

A critical failure fails the run (nothing is published); a non-critical one is a
warning in the report. Suites are hand-written GX 1.x JSON, one per table::

    {"name": "<table>", "expectations": [
        {"type": "expect_...", "kwargs": {...}, "meta": {"critical": true, "why": "..."}}]}

Cross-table placeholders (resolved here, before GX sees the data)
-----------------------------------------------------------------
``{"$ref": "<table>.<column>"}`` as the ``value_set`` of ``expect_column_values_to_be_in_set``
    Foreign key: every non-null value of ``column`` occurs in ``<table>.<column>``.
    GX is not handed the referenced values: GX 1.24 re-serializes an expectation's
    kwargs dozens of times while planning its metrics, so a value_set of 5,000 ids
    costs ~1 s and one of 20,000 ~3 s (measured). The membership test runs in pandas
    instead, and the built expectation checks a derived column
    ``"<column> not in <table>.<column>"`` -- the dangling values, null elsewhere --
    against the empty set: GX still counts the failures and shows the dangling values.
``{"$ref": "<table>.@nonempty"}`` (or ``.@rows``) as a scalar kwarg such as ``min_value``
    1 if the table has rows, else 0 (or its row count); passed to GX as a native
    suite parameter ``{"$PARAMETER": "<table>__nonempty"}``. Used for "claims is not
    empty when documents has rows".
``"meta": {"join": {"add": "<new column>", "from": "<table>.<column>", "on": "<column here>", "ref_on": "<column there>"}}``
    Before validation, add ``<new column>`` = ``<table>.<column>`` of the row whose
    ``ref_on`` equals this row's ``on`` (null when there is none), so the
    expectation can compare against it, e.g. ``char_end <= documents.n_chars``.

Placeholders are checked against schemas.TABLES when the suite loads. A referenced
table that is not given makes its expectations fail ("not evaluated"), never pass.

GX 1.24.1 traps handled here
----------------------------
* ``ExpectationSuite(expectations=[...])`` logs and *drops* an expectation with an
  unknown type: :func:`load_suite` raises instead, and checks the count.
* tqdm progress bars are on by default: off on the single, cached ephemeral context.
* Every DataFrame under 1 GB is hashed into a batch fingerprint nobody reads: off.
* Planning costs ~9 ms per expectation whatever the row count, more for detailed
  result formats: pass 1 asks only pass/fail, pass 2 re-runs the failed
  expectations for counts and examples.
* 1.24.1 ships no usage-statistics client (``GX_ANALYTICS_ENABLED`` appears only in
  a docstring; an ephemeral context made no connect() call under strace);
  ``pipeline.settings`` still sets the variable for other versions.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import math
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.io import count_rows, parts, read_schema, read_table
from pipeline.schemas import TABLES, TableSpec

if TYPE_CHECKING:  # importing GX costs seconds: done on first use, not at import
    from great_expectations.core import ExpectationSuite

ENV_SUITES_DIR = "PIPELINE_EXPECTATIONS_DIR"
REF = "$ref"
MAX_EXAMPLES = 5
_SCALAR_REFS = {"@nonempty": lambda rows: int(rows > 0), "@rows": lambda rows: rows}
_EXPECTATION_KEYS = {"type", "kwargs", "meta"}
_JOIN_KEYS = {"add", "from", "on", "ref_on"}


class SuiteError(ValueError):
    """An expectation suite file is malformed (unknown type, bad placeholder, ...)."""


class _Unresolvable(Exception):
    """An expectation needs a table or column that is not there."""


@dataclass
class Failure:
    table: str
    expectation: str
    column: str | None
    critical: bool
    detail: str
    examples: list = field(default_factory=list)  # a few failing values/rows


@dataclass
class ValidationReport:
    success: bool  # no critical failure
    failures: list[Failure]
    checked: dict[str, int]  # expectations evaluated per table

    @property
    def critical_failures(self) -> list[Failure]:
        return [f for f in self.failures if f.critical]

    def summary(self) -> str:
        n_critical = len(self.critical_failures)
        n_warnings = len(self.failures) - n_critical
        text = (f"{len(self.checked)} tables, {sum(self.checked.values())} expectations, "
                f"{n_critical} critical failure{'' if n_critical == 1 else 's'}")
        if n_warnings:
            text += f", {n_warnings} warning{'' if n_warnings == 1 else 's'}"
        return text

    def format(self) -> str:
        lines = [f"Validation {'passed' if self.success else 'FAILED'}: {self.summary()}"]
        for f in sorted(self.failures, key=lambda f: not f.critical):  # stable: critical first
            where = f"{f.table}.{f.column}" if f.column else f.table
            lines.append(f"  [{'CRITICAL' if f.critical else 'warning'}] {where}: {f.expectation}")
            lines.append(f"      {f.detail}")
            if f.examples:
                lines.append(f"      examples: {_show(f.examples)}")
        return "\n".join(lines)


# ------------------------------------------------------------------ suites
def default_suites_dir() -> Path:
    """``$PIPELINE_EXPECTATIONS_DIR`` if set, else ``expectations/`` at the repository root."""
    env = os.environ.get(ENV_SUITES_DIR)
    return Path(env) if env else Path(__file__).resolve().parents[2] / "expectations"


def load_suite(path: Path | str) -> ExpectationSuite:
    """Build a GX suite from a JSON file, failing loudly on anything GX would drop."""
    path = Path(path)
    raw = _read_suite_json(path)
    built = [_build_expectation(path, raw["name"], i, item)
             for i, item in enumerate(raw["expectations"])]
    suite = _gx().ExpectationSuite(name=raw["name"], expectations=built)
    if len(suite.expectations) != len(raw["expectations"]):
        raise SuiteError(f"{path}: built {len(suite.expectations)} expectations from "
                         f"{len(raw['expectations'])} in the file")
    return suite


def _read_suite_json(path: Path) -> dict:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise SuiteError(f"{path}: cannot read suite: {e}") from e
    if not isinstance(raw, dict) or set(raw) != {"name", "expectations"}:
        raise SuiteError(f'{path}: a suite is {{"name": ..., "expectations": [...]}}')
    if not isinstance(raw["name"], str) or not isinstance(raw["expectations"], list):
        raise SuiteError(f"{path}: name must be a string and expectations a list")
    seen: dict[str, int] = {}
    for i, item in enumerate(raw["expectations"]):
        if not isinstance(item, dict) or not set(item) <= _EXPECTATION_KEYS or "type" not in item:
            raise SuiteError(f"{path} #{i}: an expectation has keys {sorted(_EXPECTATION_KEYS)}")
        meta = item.get("meta", {})
        if not isinstance(meta.get("critical"), bool) or not isinstance(meta.get("why"), str):
            raise SuiteError(f"{path} #{i} ({item['type']}): meta needs critical (bool) and why (str)")
        key = json.dumps([item["type"], item.get("kwargs", {})], sort_keys=True)
        if key in seen:
            raise SuiteError(f"{path} #{i}: duplicates expectation #{seen[key]}")
        seen[key] = i
    return raw


def _build_expectation(path: Path, table: str, i: int, item: dict):
    _gx()  # registers the core expectations
    from great_expectations.exceptions import ExpectationNotFoundError
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
    from great_expectations.expectations.registry import get_expectation_impl

    type_ = item["type"]
    where = f"{path} #{i} ({type_})"
    try:
        get_expectation_impl(type_)
    except ExpectationNotFoundError as e:
        raise SuiteError(f"{where}: unknown expectation type") from e
    kwargs = copy.deepcopy(item.get("kwargs", {}))
    meta = {**copy.deepcopy(item["meta"]), "index": i}
    for key, value in list(kwargs.items()):
        if not (isinstance(value, dict) and REF in value):
            continue
        if set(value) != {REF}:
            raise SuiteError(f"{where}: a placeholder is exactly {{\"$ref\": \"<table>.<column>\"}}")
        ref_table, ref_column = _parse_ref(where, value[REF])
        if ref_column in _SCALAR_REFS:
            kwargs[key] = {"$PARAMETER": f"{ref_table}__{ref_column[1:]}"}
        elif key == "value_set" and type_ == "expect_column_values_to_be_in_set":
            source = kwargs["column"]
            kwargs["column"] = f"{source} not in {value[REF]}"
            kwargs["value_set"] = []
            meta["ref"] = {"column": source, "from": value[REF]}
        else:
            raise SuiteError(f"{where}: a column $ref is only allowed as the value_set of "
                             "expect_column_values_to_be_in_set")
    if "join" in meta:
        _check_join(where, table, meta["join"])
    try:
        return ExpectationConfiguration(type=type_, kwargs=kwargs, meta=meta).to_domain_obj()
    except Exception as e:  # pydantic or GX validation of kwargs: say which one
        raise SuiteError(f"{where}: invalid kwargs: {e}") from e


def _parse_ref(where: str, ref: Any) -> tuple[str, str]:
    if not isinstance(ref, str) or "." not in ref:
        raise SuiteError(f"{where}: $ref must be '<table>.<column>', got {ref!r}")
    table, column = ref.split(".", 1)
    if table not in TABLES:
        raise SuiteError(f"{where}: $ref to unknown table {table!r}")
    if column not in _SCALAR_REFS and column not in TABLES[table].columns:
        raise SuiteError(f"{where}: $ref to unknown column {ref!r}")
    return table, column


def _check_join(where: str, table: str, join: Any) -> None:
    if not isinstance(join, dict) or set(join) != _JOIN_KEYS:
        raise SuiteError(f"{where}: meta.join has exactly the keys {sorted(_JOIN_KEYS)}")
    ref_table, ref_column = _parse_ref(where, join["from"])
    if join["ref_on"] not in TABLES[ref_table].columns:
        raise SuiteError(f"{where}: join ref_on {join['ref_on']!r} is not a column of {ref_table}")
    if table in TABLES:
        if join["on"] not in TABLES[table].columns:
            raise SuiteError(f"{where}: join on {join['on']!r} is not a column of {table}")
        if join["add"] in TABLES[table].columns:
            raise SuiteError(f"{where}: join add {join['add']!r} would shadow a real column")


@functools.lru_cache(maxsize=64)
def _cached_suite(path: str, mtime_ns: int) -> ExpectationSuite:
    return load_suite(path)


def _suite_for(table: str, suites_dir: Path) -> ExpectationSuite:
    path = suites_dir / f"{table}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no expectation suite for table {table!r}: {path} "
                                f"(set {ENV_SUITES_DIR} to the expectations folder)")
    suite = _cached_suite(str(path), path.stat().st_mtime_ns)
    if suite.name != table:
        raise SuiteError(f"{path}: suite is named {suite.name!r}, expected {table!r}")
    return suite


# ------------------------------------------------------------------ GX context
@functools.lru_cache(maxsize=1)
def _gx():
    import great_expectations as gx

    # GX pins this logger to INFO at import, so "Created temporary directory ... for
    # ephemeral docs site" leaks past a WARNING-level setup; let it inherit again.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.NOTSET)
    return gx


_LOCK = threading.RLock()  # one GX context per process; GX is not thread-safe


@functools.lru_cache(maxsize=1)
def _datasource():
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX hashes every DataFrame below 1 GB into a batch "fingerprint" (a metadata
    # marker, unused by validation): 1.4 s of the 9 benchmark tables, and far more
    # for documents with full text. 0 turns the fingerprint off.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context.data_sources.add_pandas("pipeline_tables")


def warm_up(suites_dir: Path | str | None = None) -> None:
    """Import Great Expectations (seconds), create the context and build the suites ahead of
    a validation, e.g. in a background thread while the batches run in other processes."""
    suites_dir = Path(suites_dir) if suites_dir is not None else default_suites_dir()
    with _LOCK:
        _datasource()
        for name in TABLES:
            try:
                _suite_for(name, suites_dir)
            except (FileNotFoundError, SuiteError):
                continue  # the validation reports it
            _batch_definition(name)


@functools.lru_cache(maxsize=None)
def _batch_definition(table: str):
    asset = _datasource().add_dataframe_asset(table)
    return asset.add_batch_definition_whole_dataframe(table)


# ------------------------------------------------------------------ validation
def validate_tables(tables: Mapping[str, pd.DataFrame],
                    suites_dir: Path | str | None = None, *,
                    only: Iterable[str] | None = None) -> ValidationReport:
    """Validate the given tables against their suites.

    Every table in ``tables`` is validated, unless ``only`` names a subset: the
    others then serve only as references for cross-table checks (e.g. validate
    ``claims`` right after extraction, with ``documents`` and ``sentences`` given).
    """
    suites_dir = Path(suites_dir) if suites_dir is not None else default_suites_dir()
    names = list(tables) if only is None else list(only)
    unknown = [n for n in names if n not in tables]
    if unknown:
        raise KeyError(f"only= names tables that were not given: {unknown}")
    failures: list[Failure] = []
    checked: dict[str, int] = {}
    resolver = _Resolver(tables)
    for name in names:
        suite = _suite_for(name, suites_dir)
        failures += _validate_table(name, tables[name], suite, resolver)
        checked[name] = len(suite.expectations)
    return ValidationReport(not any(f.critical for f in failures), failures, checked)


def validate_folder(folder: Path | str, suites_dir: Path | str | None = None) -> ValidationReport:
    """Validate the tables stored under ``folder``: presence, exact columns and types
    (against schemas.TABLES), then the expectation suites.

    Only the columns the suites use are read (:func:`_columns_used`). A column whose only
    expectation is "not null" -- the big text columns -- is not read at all when the Parquet
    footers count no null in it: GX then checks a stand-in column without nulls of the same
    length. When a footer counts nulls (or has no statistics) the real column is read, so a
    failure shows the real counts and rows."""
    folder = Path(folder)
    suites_dir = Path(suites_dir) if suites_dir is not None else default_suites_dir()
    failures: list[Failure] = []
    tables: dict[str, pd.DataFrame] = {}
    try:
        with _LOCK:  # after a warm_up() that may still run in another thread
            used = _columns_used({name: _suite_for(name, suites_dir) for name in TABLES})
    except (FileNotFoundError, SuiteError):
        used = {}  # validate_tables reports the suite problem; read everything meanwhile
    for name, spec in TABLES.items():
        if not (folder / name).exists():
            failures.append(Failure(name, "missing_table", None, True,
                                    f"table {name!r} not found under {folder}"))
            continue
        try:
            schema = read_schema(folder, name)
            tables[name] = _read_for_validation(folder, name, schema, used.get(name))
        except Exception as e:  # corrupt or empty folder: report, don't crash the gate
            failures.append(Failure(name, "unreadable_table", None, True,
                                    f"cannot read {folder / name}: {type(e).__name__}: {e}"))
            continue
        failures += _check_columns(spec, schema)
    report = validate_tables(tables, suites_dir)
    failures += report.failures
    checked = {name: report.checked.get(name, 0) for name in TABLES}
    return ValidationReport(not any(f.critical for f in failures), failures, checked)


# expectation types whose columns are named by these kwargs only (others: read every column)
_COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")
_KNOWN_TYPES = {
    "expect_column_values_to_not_be_null", "expect_column_values_to_be_unique",
    "expect_column_values_to_be_in_set", "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex", "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_pair_values_to_be_equal", "expect_compound_columns_to_be_unique",
    "expect_table_row_count_to_be_between",
}
_NOT_NULL = "expect_column_values_to_not_be_null"


@dataclass
class _Use:
    values: set = field(default_factory=set)      # columns whose values an expectation reads
    nulls_only: set = field(default_factory=set)  # columns only checked for nulls
    everything: bool = False


def _columns_used(suites: Mapping[str, ExpectationSuite]) -> dict[str, _Use]:
    """Per table, the columns the suites read: as values, or only for nulls."""
    use = {name: _Use() for name in TABLES}
    nulls: dict[str, set] = {name: set() for name in TABLES}
    for name, suite in suites.items():
        for expectation in suite.expectations:
            kwargs, meta = expectation.configuration.kwargs, expectation.meta or {}
            if expectation.expectation_type not in _KNOWN_TYPES:
                use[name].everything = True
                continue
            derived = set()
            if "ref" in meta:  # the derived column is built from the source column and the key
                table, column = meta["ref"]["from"].split(".", 1)
                use[name].values.add(meta["ref"]["column"])
                use.setdefault(table, _Use()).values.add(column)
                derived.add(kwargs["column"])
            if "join" in meta:
                join = meta["join"]
                table, column = join["from"].split(".", 1)
                use[name].values.add(join["on"])
                use.setdefault(table, _Use()).values.update({column, join["ref_on"]})
                derived.add(join["add"])
            columns = []
            for key in _COLUMN_KWARGS:
                value = kwargs.get(key)
                columns += value if isinstance(value, list) else [value] if value else []
            columns = [c for c in columns if c not in derived]
            if expectation.expectation_type == _NOT_NULL:
                nulls[name].update(columns)
            else:
                use[name].values.update(columns)
    for name, columns in nulls.items():
        use[name].nulls_only = columns - use[name].values
    return use


def _read_for_validation(folder: Path, name: str, schema: pa.Schema, use: _Use | None) -> pd.DataFrame:
    """The table as the suites need it (see :func:`validate_folder`)."""
    if use is None or use.everything:
        return read_table(folder, name)
    nulls = _null_counts(folder, name, [c for c in schema.names if c in use.nulls_only])
    stand_in = [c for c, n in nulls.items() if n == 0]
    read = [c for c in schema.names if c in use.values or (c in use.nulls_only and c not in stand_in)]
    n_rows = count_rows(folder, name)
    frame = read_table(folder, name, columns=read) if read else pd.DataFrame(index=pd.RangeIndex(n_rows))
    if stand_in:
        if len(frame) != n_rows:
            raise ValueError(f"{len(frame)} rows read, the Parquet footers say {n_rows}")
        filler = pa.table({c: pc.if_else(pa.array(np.ones(len(frame), dtype=bool)), "", None)
                           for c in stand_in}).to_pandas()
        frame = pd.concat([frame.reset_index(drop=True), filler], axis=1)
    return frame[[c for c in schema.names if c in frame.columns]]


def _null_counts(folder: Path, name: str, columns: list[str]) -> dict[str, int | None]:
    """Nulls per column from the Parquet footers (None: a part without null-count statistics)."""
    counts: dict[str, int | None] = {c: 0 for c in columns}
    if not columns:
        return counts
    for part in parts(folder, name):
        meta = pq.ParquetFile(part).metadata
        index = {meta.schema.column(i).path: i for i in range(meta.num_columns)}
        for column in columns:
            for group in range(meta.num_row_groups):
                stats = meta.row_group(group).column(index[column]).statistics if column in index else None
                if counts[column] is None or stats is None or not stats.has_null_count:
                    counts[column] = None
                else:
                    counts[column] += stats.null_count
    return counts


def _check_columns(spec: TableSpec, schema: pa.Schema) -> list[Failure]:
    out = []
    have, want = set(schema.names), set(spec.columns)
    for column in spec.columns:
        if column not in have:
            out.append(Failure(spec.name, "missing_column", column, True,
                               f"column {column!r} declared in schemas.py is missing"))
        elif not schema.field(column).type.equals(spec.schema.field(column).type):
            actual, declared = schema.field(column).type, spec.schema.field(column).type
            out.append(Failure(spec.name, "column_type", column, True,
                               f"column {column!r} is {actual}, declared {declared}", [str(actual)]))
    for column in schema.names:
        if column not in want:
            out.append(Failure(spec.name, "extra_column", column, True,
                               f"column {column!r} is not declared in schemas.py"))
    return out


def _prepare(name: str, frame: pd.DataFrame, suite: ExpectationSuite, resolver: _Resolver):
    """Resolve a suite's cross-table placeholders for one table: the frame with derived
    columns, the expectation parameters, the runnable expectations, and failures for
    the ones that cannot be evaluated."""
    failures: list[Failure] = []
    derived: dict[str, pd.Series] = {}
    params: dict[str, Any] = {}
    runnable = []
    for expectation in suite.expectations:
        meta = expectation.meta or {}
        try:
            for param in expectation.suite_parameter_options:
                params[param] = resolver.scalar(param)
            if "ref" in meta:
                derived[expectation.column] = resolver.dangling(name, meta["ref"])
            if "join" in meta:
                derived[meta["join"]["add"]] = resolver.lookup(name, meta["join"])
        except _Unresolvable as e:
            failures.append(Failure(name, expectation.expectation_type,
                                    _column_label(expectation.configuration.kwargs, meta),
                                    bool(meta.get("critical", True)),
                                    f"{meta.get('why', '')}: not evaluated: {e}"))
            continue
        runnable.append(expectation)
    # .array: assign by position, so a frame with a duplicated index still works
    data = frame.assign(**{k: v.array for k, v in derived.items()}) if derived else frame
    return _widen(data), params, runnable, failures


def _widen(frame: pd.DataFrame) -> pd.DataFrame:
    """Narrow numeric columns as int64/float64 (lossless): GX 1.24 compares only those two
    dtypes vectorised, and calls a Python function per row for, e.g., an int32 column."""
    wide = {c: np.int64 if t.kind in "iu" else np.float64 for c, t in frame.dtypes.items()
            if isinstance(t, np.dtype) and ((t.kind == "i" and t.itemsize < 8) or (t.kind == "u" and t.itemsize < 8)
                                            or (t.kind == "f" and t.itemsize < 8))}
    return frame.astype(wide) if wide else frame


def _validate_table(name: str, frame: pd.DataFrame, suite: ExpectationSuite,
                    resolver: _Resolver) -> list[Failure]:
    data, params, runnable, failures = _prepare(name, frame, suite, resolver)
    if not runnable:
        return failures
    # Pass 1 only says pass/fail (GX plans fewer metrics: ~30% faster); pass 2 re-runs
    # just the failed expectations for counts and example values.
    verdicts = _run_gx(name, data, runnable, params, "BOOLEAN_ONLY")
    failed_at = {r.expectation_config.meta["index"] for r in verdicts.results if not r.success}
    if failed_at:
        failed = [e for e in runnable if e.meta["index"] in failed_at]
        details = _run_gx(name, data, failed, params,
                          {"result_format": "BASIC", "partial_unexpected_count": 4 * MAX_EXAMPLES})
        failures += [_failure(name, r) for r in details.results if not r.success]
    return failures


def build_data_docs(folder: Path | str, dest: Path | str, suites_dir: Path | str | None = None) -> Path:
    """Great Expectations Data Docs (static HTML) for a validation of the tables under
    ``folder``, written to ``dest``; returns the index page. Uses its own ephemeral
    context with a filesystem docs site and one checkpoint per table, so the normal
    gate stays fast. (The pages reference GX's CSS/JS on a CDN: offline they are unstyled.)"""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    folder, dest = Path(folder), Path(dest).resolve()
    suites_dir = Path(suites_dir) if suites_dir is not None else default_suites_dir()
    tables = {name: read_table(folder, name) for name in TABLES if (folder / name).exists()}
    resolver = _Resolver(tables)
    with _LOCK:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.add_data_docs_site(site_name="pipeline", site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(dest)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
        source = context.data_sources.add_pandas("pipeline_docs")
        for name, frame in tables.items():
            data, params, runnable, _ = _prepare(name, frame, _suite_for(name, suites_dir), resolver)
            suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=[e.copy() for e in runnable]))
            batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=f"validate_{name}", data=batch, suite=suite))
            checkpoint = context.checkpoints.add(gx.Checkpoint(
                name=f"checkpoint_{name}", validation_definitions=[definition],
                actions=[], result_format={"result_format": "SUMMARY"}))
            checkpoint.run(batch_parameters={"dataframe": data}, expectation_parameters=params)
        context.build_data_docs(site_names=["pipeline"])
    return dest / "index.html"


def _run_gx(name: str, data: pd.DataFrame, expectations: list, params: dict, result_format):
    gx = _gx()
    with _LOCK:
        suite = gx.ExpectationSuite(name=name, expectations=expectations)
        batch = _batch_definition(name).get_batch(batch_parameters={"dataframe": data})
        return batch.validate(suite, result_format=result_format, expectation_parameters=params)


class _Resolver:
    """Resolves the cross-table placeholders for one validation run, matching each pair of
    key columns (e.g. claims.doc_id against documents.doc_id) once."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]):
        self.tables = tables
        self._rows: dict[tuple[str, str, str, str], np.ndarray] = {}

    def scalar(self, param: str) -> int:
        table, op = param.split("__", 1)
        return _SCALAR_REFS["@" + op](len(self._table(table)))

    def dangling(self, name: str, ref: dict) -> pd.Series:
        """The values of ``ref['column']`` not found in ``ref['from']``; null elsewhere."""
        table, column = ref["from"].split(".", 1)
        rows = self._rows_of(name, ref["column"], table, column)
        values = self.tables[name][ref["column"]]
        return values.where(rows == -1)

    def lookup(self, name: str, join: dict) -> pd.Series:
        """``join['from']`` of the referenced row whose ``ref_on`` equals this row's ``on``."""
        table, column = join["from"].split(".", 1)
        rows = self._rows_of(name, join["on"], table, join["ref_on"])
        source = self._column(table, column)
        return pd.Series(source.array.take(rows, allow_fill=True), index=self.tables[name].index)

    def _table(self, table: str) -> pd.DataFrame:
        if table not in self.tables:
            raise _Unresolvable(f"table {table!r} was not given")
        return self.tables[table]

    def _column(self, table: str, column: str) -> pd.Series:
        frame = self._table(table)
        if column not in frame.columns:
            raise _Unresolvable(f"table {table!r} has no column {column!r}")
        return frame[column]

    def _rows_of(self, name: str, on: str, table: str, ref_on: str) -> np.ndarray:
        """For each row of ``name``, the first row of ``table`` whose ``ref_on`` equals its
        ``on`` (-1: none; a null never matches)."""
        key = (name, on, table, ref_on)
        if key not in self._rows:
            keys = self._column(table, ref_on)
            if on not in self.tables[name].columns:
                raise _Unresolvable(f"column {on!r} is missing")
            self._rows[key] = _first_rows(self.tables[name][on], keys)
        return self._rows[key]


def _first_rows(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Row number of the first occurrence of each value among ``keys`` (-1: not there or null).
    Arrow's hash lookup when both sides convert to Arrow (no Python object per key);
    pandas' object index otherwise."""
    try:
        found = pc.index_in(_arrow(values), value_set=_arrow(keys), skip_nulls=True)
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    except (pa.ArrowException, TypeError, ValueError):
        pass
    keys = _as_object(keys)
    keep = ~(keys.isna() | keys.duplicated()).to_numpy()
    index = pd.Index(keys[keep], dtype=object)
    positions = index.get_indexer(_as_object(values))
    rows = np.flatnonzero(keep)
    return np.where(positions >= 0, rows[np.maximum(positions, 0)], -1)


def _arrow(values: pd.Series) -> pa.Array:
    array = pa.array(values.array) if not isinstance(values.array, np.ndarray) else pa.array(values, from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _as_object(values: pd.Series) -> pd.Series:
    """Keys as an object Series: hashing Python objects is fast, while pandas 3's
    ``str`` (Arrow) ``isin`` builds one pyarrow scalar per key in Python (~1 s per
    100k ids). ``dtype=object`` is needed, or pandas 3 infers ``str`` again."""
    return pd.Series(values.to_numpy(dtype=object), index=values.index, dtype=object)


def _failure(table: str, result) -> Failure:
    config = result.expectation_config
    meta, kwargs = config.meta or {}, config.kwargs
    why = meta.get("why", "")
    error = _exception_message(result.exception_info)
    res = result.result or {}
    examples: list = []
    if error:
        detail = f"{why}: could not be evaluated: {error}"
    elif "unexpected_count" in res:
        detail = f"{why}: {res['unexpected_count']} of {res.get('element_count')} rows fail"
        if "ref" in meta:
            detail += f" (values not found in {meta['ref']['from']})"
        examples = _distinct([_plain(v) for v in res.get("partial_unexpected_list") or []])
    else:
        bounds = {k: kwargs[k] for k in ("min_value", "max_value") if kwargs.get(k) is not None}
        detail = f"{why}: observed {res.get('observed_value')!r}, expected {bounds}"
        examples = [_plain(res.get("observed_value"))]
    return Failure(table, config.type, _column_label(kwargs, meta),
                   bool(meta.get("critical", True)), detail, examples)


def _column_label(kwargs: Mapping[str, Any], meta: Mapping[str, Any]) -> str | None:
    if "ref" in meta:
        return meta["ref"]["column"]
    if "column" in kwargs:
        return kwargs["column"]
    if "column_list" in kwargs:
        return ", ".join(kwargs["column_list"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    return None


def _exception_message(info: Any) -> str | None:
    """GX nests exception info either flat or keyed by metric id."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return info.get("exception_message") if info["raised_exception"] else None
    for value in info.values():
        message = _exception_message(value)
        if message:
            return message
    return None


def _plain(value: Any) -> Any:
    """Example values as plain JSON-friendly Python (numpy scalars, NaN, timestamps)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if type(value).__module__ == "numpy":
        if "datetime64" in type(value).__name__:
            return None if pd.isna(value) else str(value)
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    return value


def _distinct(values: list) -> list:
    """Up to MAX_EXAMPLES distinct values, in order (GX lists every failing row)."""
    seen, out = set(), []
    for value in values:
        key = _show(value)
        if key not in seen and len(out) < MAX_EXAMPLES:
            seen.add(key)
            out.append(value)
    return out


def _show(examples: Any) -> str:
    return json.dumps(examples, default=str, ensure_ascii=False)
