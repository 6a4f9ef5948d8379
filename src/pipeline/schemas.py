"""Table schemas: the single declaration shared by the writer, the expectation
suites, the validator and the README's table reference.

Each table is a :class:`TableSpec` holding a pyarrow schema whose fields carry
a ``description`` (and, for enumerations, the allowed values) in their
metadata, plus the table's primary key and foreign keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pyarrow as pa

# ---------------------------------------------------------------- enumerations
PREDICATES = (
    "decreases", "increases", "causes", "treats", "prevents",
    "has_property", "no_effect", "safe", "interacts_with",
)
POLARITIES = ("affirmed", "negated")
MODALITIES = ("certain", "probable", "possible")
ATTRIBUTIONS = ("author", "studies", "users_report", "experts", "contested")
DOSE_LEVELS = ("low", "moderate", "high")
KINDS = ("direction", "negation", "antonym", "safety", "dose_label", "numeric")
VERDICTS = ("contradiction", "conditional", "hedged")
SCOPES = ("intra_document", "cross_document")
FORMATS = ("txt", "md", "html", "jsonl", "warc")
RUN_STATUSES = ("published", "validation_failed")

ENUMS: dict[str, tuple[str, ...]] = {
    "predicate": PREDICATES,
    "polarity": POLARITIES,
    "modality": MODALITIES,
    "attribution": ATTRIBUTIONS,
    "dose_level": DOSE_LEVELS,
    "kind": KINDS,
    "verdict": VERDICTS,
    "scope": SCOPES,
    "format": FORMATS,
    "status": RUN_STATUSES,
}

TS = pa.timestamp("us", tz="UTC")


def col(name: str, type_: pa.DataType, desc: str, *, nullable: bool = False,
        enum: tuple[str, ...] | None = None) -> pa.Field:
    """A schema field with its description (and allowed values) as metadata."""
    meta = {"description": desc}
    if enum is not None:
        meta["enum"] = json.dumps(list(enum))
    return pa.field(name, type_, nullable=nullable, metadata=meta)


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    ref_column: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    schema: pa.Schema
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)

    def enum_of(self, column: str) -> tuple[str, ...] | None:
        meta = self.schema.field(column).metadata or {}
        raw = meta.get(b"enum")
        return tuple(json.loads(raw)) if raw else None

    def description_of(self, column: str) -> str:
        meta = self.schema.field(column).metadata or {}
        return meta.get(b"description", b"").decode()


def _spec(name, description, fields, primary_key, foreign_keys=()):
    return TableSpec(name, description, pa.schema(fields), tuple(primary_key),
                     tuple(ForeignKey(*fk) for fk in foreign_keys))


# ------------------------------------------------------------------- tables
DOCUMENTS = _spec("documents", "One row per ingested document.", [
    col("doc_id", pa.string(), "Stable id: hash of source key and normalized-text hash."),
    col("source_path", pa.string(), "Input file, relative to the input folder."),
    col("record", pa.string(), "Record inside the file: '' for whole files, 'line:N' (JSONL), 'record:N' (WARC)."),
    col("format", pa.string(), "Input format.", enum=FORMATS),
    col("encoding", pa.string(), "How the bytes were decoded."),
    col("url", pa.string(), "URL given by the input, if any.", nullable=True),
    col("title", pa.string(), "Title given by the input or its first heading.", nullable=True),
    col("published", TS, "Publication time given by the input, if parseable.", nullable=True),
    col("lang", pa.string(), "Detected language (ISO 639-1, 'und' if unknown)."),
    col("lang_confidence", pa.float64(), "Share of tokens supporting the detected language (0-1)."),
    col("n_chars", pa.int64(), "Characters of normalized text."),
    col("n_chars_raw", pa.int64(), "Characters of decoded raw text."),
    col("text", pa.string(), "Normalized text; every char_start/char_end offset refers to it."),
    col("text_hash", pa.string(), "Hash of the case- and whitespace-folded normalized text (exact duplicates share it)."),
    col("mojibake_fixed", pa.bool_(), "Whether mis-decoded text (mojibake) was repaired."),
    col("main_subject", pa.string(), "The document's main subject (the antecedent of 'it', 'the herb', ...).", nullable=True),
    col("cluster_id", pa.string(), "Near-duplicate cluster (exact and MinHash-LSH); singletons are their own cluster."),
    col("is_cluster_representative", pa.bool_(), "True for one document per cluster (the smallest doc_id)."),
    col("ingested_at", TS, "When this run ingested the document."),
    col("run_id", pa.string(), "The run that produced the row."),
], ["doc_id"])

REJECTS = _spec("rejects", "One row per input (file or record) that could not become a document.", [
    col("reject_id", pa.string(), "Stable id: hash of source_path, record and reason."),
    col("source_path", pa.string(), "Input file, relative to the input folder."),
    col("record", pa.string(), "Record inside the file ('line:N', 'record:N') or ''."),
    col("reason", pa.string(), "Stable machine-readable reason (e.g. empty_file, binary_content, not_english)."),
    col("detail", pa.string(), "Human-readable detail."),
    col("size_bytes", pa.int64(), "Size of the file or record in bytes."),
    col("run_id", pa.string(), "The run that produced the row."),
], ["reject_id"])

SENTENCES = _spec("sentences", "One row per sentence, heading or list item.", [
    col("sentence_id", pa.string(), "Stable id: '<doc_id>:<index>'."),
    col("doc_id", pa.string(), "Document."),
    col("sentence_index", pa.int32(), "Position in the document (0-based)."),
    col("char_start", pa.int64(), "Start offset in documents.text."),
    col("char_end", pa.int64(), "End offset (exclusive) in documents.text."),
    col("raw_char_start", pa.int64(), "Start offset in the decoded raw text."),
    col("raw_char_end", pa.int64(), "End offset (exclusive) in the decoded raw text."),
    col("text", pa.string(), "Sentence text (= documents.text[char_start:char_end])."),
    col("is_heading", pa.bool_(), "A heading (never a claim)."),
    col("is_list_item", pa.bool_(), "Began with a list marker."),
    col("is_repeat", pa.bool_(), "Restates an earlier sentence of the same document (counted once)."),
    col("repeat_of", pa.string(), "The earlier sentence it repeats.", nullable=True),
], ["sentence_id"], [("doc_id", "documents", "doc_id")])

CLAIMS = _spec("claims", "One row per claim mention.", [
    col("claim_id", pa.string(), "Stable id: hash of sentence_id, span and canonical key."),
    col("doc_id", pa.string(), "Document."),
    col("sentence_id", pa.string(), "Sentence holding the claim."),
    col("subject", pa.string(), "Subject as written ('it', 'the herb', 'kratom')."),
    col("subject_norm", pa.string(), "Canonical subject after synonyms and coreference."),
    col("effect", pa.string(), "Effect phrase as written."),
    col("predicate", pa.string(), "Canonical relation.", enum=PREDICATES),
    col("outcome", pa.string(), "Outcome or property as written."),
    col("outcome_norm", pa.string(), "Canonical outcome (problem pole; inverses mapped)."),
    col("direction", pa.int8(), "+1/-1 effect on outcome_norm after mapping inverses; 0 for no_effect, safe, interacts_with."),
    col("polarity", pa.string(), "Affirmed or negated.", enum=POLARITIES),
    col("modality", pa.string(), "Certainty of the claim.", enum=MODALITIES),
    col("attribution", pa.string(), "Who the text says makes the claim.", enum=ATTRIBUTIONS),
    col("condition", pa.string(), "Condition phrases as written ('' if none)."),
    col("dose_min", pa.float64(), "Parsed dose range minimum in dose_unit.", nullable=True),
    col("dose_max", pa.float64(), "Parsed dose range maximum in dose_unit (null: open-ended).", nullable=True),
    col("dose_unit", pa.string(), "Canonical dose unit (mg, IU, ml).", nullable=True),
    col("dose_level", pa.string(), "Dose level words used.", nullable=True, enum=DOSE_LEVELS),
    col("population", pa.string(), "Canonical population condition(s), ';'-joined.", nullable=True),
    col("context", pa.string(), "Canonical context/timing condition(s), ';'-joined.", nullable=True),
    col("value_min", pa.float64(), "Numeric claims: value minimum in value_unit.", nullable=True),
    col("value_max", pa.float64(), "Numeric claims: value maximum in value_unit.", nullable=True),
    col("value_unit", pa.string(), "Numeric claims: canonical unit (mg, h).", nullable=True),
    col("char_start", pa.int64(), "Start of the effect span in documents.text."),
    col("char_end", pa.int64(), "End (exclusive) of the effect span in documents.text."),
    col("raw_char_start", pa.int64(), "Start of the effect span in the decoded raw text."),
    col("raw_char_end", pa.int64(), "End of the effect span in the decoded raw text."),
    col("sentence_text", pa.string(), "The sentence holding the claim."),
    col("is_repeat", pa.bool_(), "The sentence restates an earlier one (mention not counted)."),
    col("claim_key", pa.string(), "Canonical claim: subject|predicate|outcome|direction|polarity|dose band."),
    col("extractor_version", pa.string(), "Version of the extractor and its lexicons."),
], ["claim_id"], [("doc_id", "documents", "doc_id"), ("sentence_id", "sentences", "sentence_id")])

CONTRADICTIONS = _spec("contradictions", "One row per comparable claim pair with a verdict.", [
    col("pair_id", pa.string(), "Stable id: hash of the two claim ids (ordered)."),
    col("claim_id_a", pa.string(), "First claim (the smaller claim_id)."),
    col("claim_id_b", pa.string(), "Second claim."),
    col("doc_id_a", pa.string(), "Document of claim a."),
    col("doc_id_b", pa.string(), "Document of claim b."),
    col("scope", pa.string(), "Inside one document or across documents.", enum=SCOPES),
    col("kind", pa.string(), "What conflicts.", enum=KINDS),
    col("verdict", pa.string(), "Real contradiction, explained by disjoint conditions, or hedged.", enum=VERDICTS),
    col("subject_norm", pa.string(), "Shared subject."),
    col("outcome_norm", pa.string(), "Shared outcome (or property axis)."),
    col("separating_condition", pa.string(), "For conditional pairs: which condition separates them (dose, dose_level, population, context).", nullable=True),
    col("same_cluster", pa.bool_(), "Both documents are in one near-duplicate cluster (not independent)."),
    col("explanation", pa.string(), "Human-readable explanation."),
], ["pair_id"], [("claim_id_a", "claims", "claim_id"), ("claim_id_b", "claims", "claim_id"),
                 ("doc_id_a", "documents", "doc_id"), ("doc_id_b", "documents", "doc_id")])

CLAIM_FREQUENCY = _spec("claim_frequency", "One row per canonical claim.", [
    col("claim_key", pa.string(), "Canonical claim key."),
    col("subject_norm", pa.string(), "Canonical subject."),
    col("predicate", pa.string(), "Canonical relation.", enum=PREDICATES),
    col("outcome_norm", pa.string(), "Canonical outcome."),
    col("direction", pa.int8(), "Direction on the outcome."),
    col("polarity", pa.string(), "Affirmed or negated.", enum=POLARITIES),
    col("dose_band", pa.string(), "Dose band: low/moderate/high, a parsed range, or 'any'."),
    col("n_mentions", pa.int64(), "Mentions, repeats inside a document excluded."),
    col("n_documents", pa.int64(), "Documents making the claim."),
    col("n_clusters", pa.int64(), "Independent sources: near-duplicate clusters making the claim."),
    col("first_seen", TS, "Earliest publication (or ingestion) time of a document making it."),
    col("last_seen", TS, "Latest publication (or ingestion) time of a document making it."),
    col("example_claim_id", pa.string(), "One mention to click through to."),
], ["claim_key"])

DOCUMENT_METRICS = _spec("document_metrics", "One row per document.", [
    col("doc_id", pa.string(), "Document."),
    col("n_sentences", pa.int64(), "Sentences."),
    col("n_claims", pa.int64(), "Claim mentions."),
    col("n_comparable_pairs", pa.int64(), "Intra-document comparable claim pairs (same subject and outcome)."),
    col("n_contradictions", pa.int64(), "Intra-document pairs with verdict contradiction."),
    col("n_conditional", pa.int64(), "Intra-document pairs with verdict conditional."),
    col("n_hedged", pa.int64(), "Intra-document pairs with verdict hedged."),
    col("self_contradiction_rate", pa.float64(), "n_contradictions / n_comparable_pairs (0 when no pairs)."),
    col("has_self_contradiction", pa.bool_(), "At least one intra-document contradiction (any verdict but conditional)."),
], ["doc_id"], [("doc_id", "documents", "doc_id")])

CORPUS_METRICS = _spec("corpus_metrics", "One row per subject, plus '__all__' for the whole corpus.", [
    col("run_id", pa.string(), "The run."),
    col("subject_norm", pa.string(), "Subject, or '__all__'."),
    col("n_documents", pa.int64(), "Documents mentioning the subject in a claim (all documents for '__all__')."),
    col("n_clusters", pa.int64(), "Independent sources among them."),
    col("n_claims", pa.int64(), "Claim mentions."),
    col("n_self_contradicting", pa.int64(), "Documents with an intra-document contradiction on the subject."),
    col("share_self_contradicting", pa.float64(), "n_self_contradicting / n_documents."),
    col("n_cross_document_pairs", pa.int64(), "Comparable claim pairs across independent clusters."),
    col("n_cross_document_contradictions", pa.int64(), "Of those, pairs judged contradiction or hedged."),
    col("cross_document_contradiction_rate", pa.float64(), "n_cross_document_contradictions / n_cross_document_pairs."),
], ["run_id", "subject_norm"])

RUNS = _spec("runs", "One row per pipeline run.", [
    col("run_id", pa.string(), "Run id."),
    col("started_at", TS, "Start time."),
    col("finished_at", TS, "End time."),
    col("code_version", pa.string(), "Package version and git commit if known."),
    col("extractor_version", pa.string(), "Extractor and lexicon version."),
    col("input_root", pa.string(), "Input folder."),
    col("n_documents", pa.int64(), "Rows in documents."),
    col("n_rejects", pa.int64(), "Rows in rejects."),
    col("n_sentences", pa.int64(), "Rows in sentences."),
    col("n_claims", pa.int64(), "Rows in claims."),
    col("n_contradictions", pa.int64(), "Rows in contradictions."),
    col("n_claim_frequency", pa.int64(), "Rows in claim_frequency."),
    col("validation_success", pa.bool_(), "Whether every critical expectation passed."),
    col("validation_summary", pa.string(), "Short report of the validation."),
    col("status", pa.string(), "Outcome of the run.", enum=RUN_STATUSES),
], ["run_id"])

TABLES: dict[str, TableSpec] = {t.name: t for t in (
    DOCUMENTS, REJECTS, SENTENCES, CLAIMS, CONTRADICTIONS,
    CLAIM_FREQUENCY, DOCUMENT_METRICS, CORPUS_METRICS, RUNS,
)}
