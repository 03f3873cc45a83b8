"""The report's published facts as a validated data package.

``data/published/`` is a Frictionless-style tabular data package
(``datapackage.json``) with two resources:

``engagements``
    Table 1 of the report (Section 4.1) exactly as printed, faults included.
``claims``
    One row per quantitative statement of the report: where it is printed,
    the printed number, its comparator and precision, and, for survey, Work
    Star and engagement claims, how to recompute it from data.

Both tables are checked on load against the Table Schema stored in the
package (types, required fields, enumerations, minima, patterns and a unique
primary key), using a pandera schema built from the schema's fields; claims
are further cross-checked against the survey codebook.  Every problem is
reported, one line each, in a single :class:`~cwp_analysis.errors.DataFileError`.

:func:`claim_holds` decides whether an observed statistic agrees with a
published claim, applying the claim's comparator and the precision with which
the number was printed (see ``data/published/README.md``).

Examples
--------
>>> claim("survey_n").value
68.0
>>> c = claim("foodbank_free_p")
>>> (c.comparator, c.value, c.precision)
('=', 0.006, 'p printed to 3 dp')
>>> claim_holds(c, 0.0058), claim_holds(c, 0.0068)
(True, False)
"""

from __future__ import annotations

import functools
import json
import math
import numbers
import warnings
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from cwp_analysis.codebook import Codebook, load_codebook
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import data_file

__all__ = [
    "Claim",
    "load_datapackage",
    "load_engagements",
    "load_claims",
    "claim",
    "claim_holds",
    "round_half_up",
    "package_path",
]

#: Scopes whose claims can be recomputed from data and carry the
#: machine-checkable columns.
MACHINE_COLUMNS = ("variable", "statistic", "codes", "timepoint", "condition", "compare_with")

_PANDAS_DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}


# --------------------------------------------------------------------------- package


def package_path(package: str | Path | None = None) -> Path:
    """Return the path of ``datapackage.json``.

    Parameters
    ----------
    package : path-like, optional
        A ``datapackage.json`` file or the folder holding one.  Defaults to
        ``data/published/datapackage.json`` below :func:`cwp_analysis.paths.data_dir`
        (so ``$CWP_DATA_DIR`` is honoured).

    Returns
    -------
    pathlib.Path
    """
    if package is None:
        return data_file("published", "datapackage.json")
    path = Path(package)
    return path / "datapackage.json" if path.is_dir() else path


def _descriptor_problems(desc: object, where: str) -> list[str]:
    """Structural checks of a package descriptor (the parts this module relies on)."""
    if not isinstance(desc, dict):
        return [f"{where}: the descriptor must be a JSON object"]
    problems = [f"{where}: missing package property {key!r}" for key in ("name", "resources", "sources", "licenses") if key not in desc]
    resources = desc.get("resources", [])
    if not isinstance(resources, list):
        return problems + [f"{where}: 'resources' must be a list"]
    for i, res in enumerate(resources):
        here = f"{where}: resources[{i}]"
        if not isinstance(res, dict):
            problems.append(f"{here}: must be an object")
            continue
        for key in ("name", "path", "format", "encoding", "schema"):
            if key not in res:
                problems.append(f"{here}: missing property {key!r}")
        schema = res.get("schema", {})
        fields = schema.get("fields") if isinstance(schema, dict) else None
        if not isinstance(fields, list) or not fields:
            problems.append(f"{here}: schema needs a non-empty 'fields' list")
            continue
        names = [fd.get("name") for fd in fields if isinstance(fd, dict)]
        for j, fd in enumerate(fields):
            if not isinstance(fd, dict) or "name" not in fd:
                problems.append(f"{here}: schema.fields[{j}] needs a name")
            elif fd.get("type", "string") not in _PANDAS_DTYPES:
                problems.append(f"{here}: field {fd['name']!r}: unsupported type {fd.get('type')!r}")
        pk = schema.get("primaryKey")
        if not pk or any(k not in names for k in pk):
            problems.append(f"{here}: primaryKey {pk!r} must name fields of the schema")
    return problems


@functools.lru_cache(maxsize=8)
def _load_descriptor(path: str, mtime_ns: int) -> dict:
    try:
        desc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(f"{path}: not valid UTF-8 JSON: {exc}") from None
    problems = _descriptor_problems(desc, path)
    if problems:
        raise DataFileError(f"invalid data package {path}:\n" + "\n".join(problems))
    return desc


def load_datapackage(package: str | Path | None = None) -> dict:
    """Load the published-facts package descriptor.

    Parameters
    ----------
    package : path-like, optional
        ``datapackage.json`` or its folder; see :func:`package_path`.

    Returns
    -------
    dict
        The descriptor (a fresh copy; edit freely).

    Raises
    ------
    DataFileError
        When the file is missing, is not JSON, or lacks the properties the
        loaders need (resources with path, format, encoding and a schema with
        fields and a primary key).

    Examples
    --------
    >>> [r["name"] for r in load_datapackage()["resources"]]
    ['engagements', 'claims']
    """
    path = package_path(package)
    if not path.is_file():
        raise DataFileError(f"data package not found: {path}")
    return json.loads(json.dumps(_load_descriptor(str(path.resolve()), path.stat().st_mtime_ns)))


def _resource(desc: dict, name: str, where: str) -> dict:
    for res in desc["resources"]:
        if res.get("name") == name:
            return res
    raise DataFileError(f"{where}: the package has no resource {name!r}")


# --------------------------------------------------------------------------- tables


def _parse_cell(text: str, type_: str) -> object:
    """Parse one CSV cell into a Python value; ``ValueError`` when it does not fit."""
    if type_ == "string":
        return text
    if type_ == "integer":
        t = text.strip()
        if not t.lstrip("+-").isdigit():
            raise ValueError("is not an integer")
        return int(t)
    if type_ == "number":
        try:
            x = float(text)
        except ValueError:
            raise ValueError("is not a number") from None
        if not math.isfinite(x):
            raise ValueError("is not a finite number")
        return x
    if type_ == "boolean":
        if text.lower() in {"true", "1"}:
            return True
        if text.lower() in {"false", "0"}:
            return False
        raise ValueError("is not a boolean (true/false)")
    raise ValueError(f"has unsupported type {type_!r}")


def _pandera_schema(schema: dict) -> tuple[pa.DataFrameSchema, dict[str, list[tuple[str, object]]]]:
    """Build a pandera schema from a Table Schema.

    Returns the schema and, per column, the list of ``(constraint, argument)``
    in the order of the column's checks, so that failures can be explained.
    """
    columns = {}
    explain: dict[str, list[tuple[str, object]]] = {}
    pk = list(schema["primaryKey"])
    for fd in schema["fields"]:
        cons = fd.get("constraints", {})
        checks, kinds = [], []
        if "enum" in cons:
            checks.append(pa.Check.isin(cons["enum"]))
            kinds.append(("enum", cons["enum"]))
        if "minimum" in cons:
            checks.append(pa.Check.ge(cons["minimum"]))
            kinds.append(("minimum", cons["minimum"]))
        if "maximum" in cons:
            checks.append(pa.Check.le(cons["maximum"]))
            kinds.append(("maximum", cons["maximum"]))
        if "pattern" in cons:
            # Table Schema patterns match the whole value
            checks.append(pa.Check.str_matches(f"(?:{cons['pattern']})\\Z"))
            kinds.append(("pattern", cons["pattern"]))
        required = bool(cons.get("required")) or fd["name"] in pk
        unique = bool(cons.get("unique")) and pk != [fd["name"]]
        columns[fd["name"]] = pa.Column(
            _PANDAS_DTYPES[fd.get("type", "string")], checks, nullable=not required, unique=unique, coerce=False
        )
        explain[fd["name"]] = kinds
    return pa.DataFrameSchema(columns, unique=pk, report_duplicates="all", strict=True, ordered=True), explain


def _read_table(desc: dict, name: str, pkg_path: Path) -> pd.DataFrame:
    """Read one resource, parse it by its Table Schema and validate it with pandera."""
    res = _resource(desc, name, str(pkg_path))
    path = pkg_path.parent / res["path"]
    if not path.is_file():
        raise DataFileError(f"{path}: resource {name!r} not found")
    schema = res["schema"]
    fields = schema["fields"]
    names = [fd["name"] for fd in fields]
    missing_values = set(schema.get("missingValues", [""]))
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding=res.get("encoding", "utf-8"))
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{path}: not valid {res.get('encoding', 'utf-8')} text ({exc.reason})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataFileError(f"{path}: cannot be read as CSV: {str(exc).strip()}") from None
    if list(raw.columns) != names:
        raise DataFileError(
            f"{path}: header must be exactly {','.join(names)}; found {','.join(map(str, raw.columns))}"
        )

    pk = list(schema["primaryKey"])
    problems: list[tuple[int, int, str]] = []  # (row, column position, text)
    position = {n: k for k, n in enumerate(names)}
    bad_cells: set[tuple[int, str]] = set()

    def where(i: int) -> str:
        key = ", ".join(f"{k}={raw.at[i, k]!r}" for k in pk)
        return f"{path.name}: line {i + 2} ({key})"

    typed = {}
    for fd in fields:
        col, type_ = fd["name"], fd.get("type", "string")
        values = []
        for i, text in enumerate(raw[col]):
            if text in missing_values:
                values.append(None)
                continue
            try:
                values.append(_parse_cell(text, type_))
            except ValueError as exc:
                problems.append((i, position[col], f"{where(i)}, column {col!r}: value {text!r} {exc}"))
                bad_cells.add((i, col))
                values.append(None)
        typed[col] = pd.array(values, dtype=_PANDAS_DTYPES[type_])
    df = pd.DataFrame(typed)

    pschema, explain = _pandera_schema(schema)
    try:
        with warnings.catch_warnings():
            # pandera's failure-case report concatenates all-NA frames (pandas FutureWarning)
            warnings.simplefilter("ignore", FutureWarning)
            pschema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        for case in err.failure_cases.itertuples(index=False):
            i = case.index
            if i is None or (isinstance(i, float) and math.isnan(i)):
                problems.append((-1, -1, f"{path.name}: column {case.column!r}: {case.check}"))
                continue
            i = int(i)
            col = case.column
            if case.check == "not_nullable":
                if (i, col) not in bad_cells:
                    problems.append((i, position[col], f"{where(i)}, column {col!r}: required value is missing"))
            elif case.check in ("multiple_fields_uniqueness", "field_uniqueness"):
                key = ", ".join(f"{k}={raw.at[i, k]!r}" for k in pk)
                problems.append((i, -1, f"{path.name}: line {i + 2}: duplicate primary key ({key})"))
            else:
                kind, arg = explain[col][int(case.check_number)]
                shown = raw.at[i, col]
                if kind == "enum":
                    problems.append((i, position[col], f"{where(i)}, column {col!r}: value {shown!r} is not one of {', '.join(map(str, arg))}"))
                elif kind == "minimum":
                    problems.append((i, position[col], f"{where(i)}, column {col!r}: value {shown} is below the minimum {arg}"))
                elif kind == "maximum":
                    problems.append((i, position[col], f"{where(i)}, column {col!r}: value {shown} is above the maximum {arg}"))
                else:
                    problems.append((i, position[col], f"{where(i)}, column {col!r}: value {shown!r} does not match pattern {arg}"))
    if problems:
        # one line per problem, in file order (duplicate-key lines arrive once per row)
        ordered = list(dict.fromkeys(text for _, _, text in sorted(problems, key=lambda p: (p[0], p[1]))))
        raise DataFileError(f"invalid resource {name!r} ({path}): {len(ordered)} problem(s)\n" + "\n".join(ordered))

    for fd in fields:
        enum = fd.get("constraints", {}).get("enum")
        if enum and fd.get("type", "string") == "string":
            df[fd["name"]] = df[fd["name"]].astype(pd.CategoricalDtype(enum))
    return df


# --------------------------------------------------------------------------- cross-checks


def _split(text) -> list[str]:
    return [] if text is None or pd.isna(text) else str(text).split("|")


def _claim_problems(df: pd.DataFrame, res: dict, engagement_columns: list[str], codebook: Codebook, fname: str) -> list[str]:
    """Cross-check claims against the statistic vocabulary, the codebook and Table 1."""
    stats = res.get("cwp:statistics", {})
    precisions = res.get("cwp:precisions", {})
    enum_stats = next(fd for fd in res["schema"]["fields"] if fd["name"] == "statistic")["constraints"]["enum"]
    enum_prec = next(fd for fd in res["schema"]["fields"] if fd["name"] == "precision")["constraints"]["enum"]
    problems = [f"{fname}: statistic {s!r} of the schema enum is not described in cwp:statistics" for s in enum_stats if s not in stats]
    problems += [f"{fname}: precision {p!r} of the schema enum is not described in cwp:precisions" for p in enum_prec if p not in precisions]
    claim_ids = set(df["id"])
    areas = {a.id for a in codebook.workstar.areas}

    def present(row, col) -> bool:
        return not pd.isna(row[col])

    for i, row in df.iterrows():
        at = f"{fname}: line {i + 2} (id={row['id']!r})"
        scope, stat = str(row["scope"]), None if pd.isna(row["statistic"]) else str(row["statistic"])
        comparator, precision = str(row["comparator"]), str(row["precision"])
        # comparator, precision and intervals
        if (comparator == "approx") != (precision == "approximate wording"):
            problems.append(f"{at}: comparator 'approx' goes with precision 'approximate wording' and only with it")
        has_lo, has_hi = present(row, "reading_low"), present(row, "reading_high")
        if has_lo != has_hi:
            problems.append(f"{at}: reading_low and reading_high must be given together")
        elif has_lo and not row["reading_low"] < row["reading_high"]:
            problems.append(f"{at}: reading_low must be below reading_high")
        if comparator == "approx" and not (has_lo and has_hi):
            problems.append(f"{at}: comparator 'approx' needs reading_low and reading_high")
        if present(row, "value_high") and not row["value_high"] >= row["value"]:
            problems.append(f"{at}: value_high must not be below value")
        # machine-checkable columns
        used = [c for c in MACHINE_COLUMNS if present(row, c)]
        if stat is None:
            if used:
                problems.append(f"{at}: {', '.join(used)} given without a statistic")
            continue
        spec = stats.get(stat, {})
        if scope not in spec.get("scopes", []):
            problems.append(f"{at}: statistic {stat!r} does not apply to scope {scope!r} (allowed: {', '.join(spec.get('scopes', []))})")
            continue
        for need in spec.get("needs", []):
            if not present(row, need):
                problems.append(f"{at}: statistic {stat!r} needs column {need!r}")
        if not present(row, "variable"):
            continue
        var_id = str(row["variable"])
        if scope == "workstar":
            if var_id not in areas:
                problems.append(f"{at}: unknown Work Star area {var_id!r} (codebook areas: {', '.join(sorted(areas))})")
            for col in ("codes", "timepoint", "condition"):
                if present(row, col):
                    problems.append(f"{at}: column {col!r} does not apply to Work Star claims")
            continue
        if scope == "engagement":
            if var_id not in engagement_columns:
                problems.append(f"{at}: unknown engagements column {var_id!r} (known: {', '.join(engagement_columns)})")
            if stat == "ratio":
                for ref in _split(row["compare_with"]):
                    if ref not in claim_ids:
                        problems.append(f"{at}: compare_with {ref!r} is not a claim id")
            continue
        # survey claims
        if var_id not in codebook.variables:
            problems.append(f"{at}: unknown codebook variable {var_id!r}")
            continue
        var = codebook.variable(var_id)
        allowed = set(var.scale.codes) if var.scale else set()
        for code in _split(row["codes"]):
            if int(code) not in allowed:
                problems.append(f"{at}: code {code} is not a code of {var_id!r} (scale {var.scale.id if var.scale else None!r}: {sorted(allowed)})")
        timepoint = None if pd.isna(row["timepoint"]) else str(row["timepoint"])
        if spec.get("paired"):
            if not var.paired:
                problems.append(f"{at}: statistic {stat!r} needs a before/after variable; {var_id!r} is single-time")
            if timepoint is not None:
                problems.append(f"{at}: statistic {stat!r} compares before and after; leave timepoint empty")
        elif timepoint == "single" and var.paired:
            problems.append(f"{at}: {var_id!r} is a before/after item; timepoint must be 'before' or 'after'")
        elif timepoint in ("before", "after") and not var.paired:
            problems.append(f"{at}: {var_id!r} is single-time; timepoint must be 'single'")
        if present(row, "condition"):
            cond_var, _, cond_codes = str(row["condition"]).partition("=")
            if cond_var not in codebook.variables:
                problems.append(f"{at}: condition names unknown variable {cond_var!r}")
            else:
                cscale = codebook.variable(cond_var).scale
                for code in cond_codes.split("|"):
                    if cscale is None or int(code) not in cscale.codes:
                        problems.append(f"{at}: condition code {code} is not a code of {cond_var!r}")
        for other in _split(row["compare_with"]):
            if other not in codebook.variables:
                problems.append(f"{at}: compare_with names unknown variable {other!r}")
                continue
            oscale = codebook.variable(other).scale
            for code in _split(row["codes"]):
                if oscale is None or int(code) not in oscale.codes:
                    problems.append(f"{at}: code {code} is not a code of compare_with variable {other!r}")
    return problems


# --------------------------------------------------------------------------- loaders


@functools.lru_cache(maxsize=8)
def _load_tables(pkg: str, stamp: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    pkg_path = Path(pkg)
    desc = load_datapackage(pkg_path)
    engagements = _read_table(desc, "engagements", pkg_path)
    claims = _read_table(desc, "claims", pkg_path)
    res = _resource(desc, "claims", pkg)
    eng_fields = _resource(desc, "engagements", pkg)["schema"]["fields"]
    numeric = [fd["name"] for fd in eng_fields if fd.get("type") in ("integer", "number")]
    problems = _claim_problems(claims, res, numeric, load_codebook(), Path(res["path"]).name)
    if problems:
        raise DataFileError(f"invalid resource 'claims' ({pkg_path.parent / res['path']}): {len(problems)} problem(s)\n" + "\n".join(problems))
    return engagements, claims


def _tables(package: str | Path | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    pkg_path = package_path(package)
    if not pkg_path.is_file():
        raise DataFileError(f"data package not found: {pkg_path}")
    desc = load_datapackage(pkg_path)
    stamp = [pkg_path.stat().st_mtime_ns]
    for res in desc["resources"]:
        f = pkg_path.parent / res["path"]
        stamp.append(f.stat().st_mtime_ns if f.is_file() else -1)
    codebook_file = data_file("codebook.yaml")
    stamp.append(str(codebook_file.resolve()))
    stamp.append(codebook_file.stat().st_mtime_ns if codebook_file.is_file() else -1)
    eng, claims = _load_tables(str(pkg_path.resolve()), tuple(stamp))
    return eng.copy(), claims.copy()


def load_engagements(package: str | Path | None = None) -> pd.DataFrame:
    """Table 1 (new engagements per partner per reporting period) as printed.

    Parameters
    ----------
    package : path-like, optional
        ``datapackage.json`` or its folder; see :func:`package_path`.

    Returns
    -------
    pandas.DataFrame
        Columns ``partner`` (categorical), ``sep_18``, ``mar_19``, ``sep_19``,
        ``mar_20``, ``total_1``, ``total_2`` (nullable ``Int64``); the last row
        is the printed ``Total`` row, whose period cells are missing.

    Raises
    ------
    DataFileError
        Listing every cell that breaks the resource's Table Schema.

    Notes
    -----
    The values are the report's, faults included (Kairos's Total 1 is printed
    as 149 although its periods sum to 351).  Finding the faults is the job of
    the analysis layer.

    Examples
    --------
    >>> t = load_engagements()
    >>> t.set_index("partner").loc["Total", ["total_1", "total_2"]].tolist()
    [655, 1184]
    """
    return _tables(package)[0]


def load_claims(scope: str | None = None, package: str | Path | None = None) -> pd.DataFrame:
    """The report's quantitative claims, validated.

    Parameters
    ----------
    scope : str, optional
        Keep only claims of this scope (``"survey"``, ``"workstar"``,
        ``"engagement"``, ``"finance"``, ``"context"``, ``"literature"``,
        ``"interviews"`` or ``"sample"``).
    package : path-like, optional
        ``datapackage.json`` or its folder; see :func:`package_path`.

    Returns
    -------
    pandas.DataFrame
        One row per claim in file order.  Enumerated columns are categorical,
        numbers are nullable ``Float64``, text is ``string`` with ``<NA>`` for
        empty cells.

    Raises
    ------
    DataFileError
        Listing, one per line, every cell that breaks the Table Schema
        (type, required, enum, pattern, duplicate id) and every failed
        cross-check: unknown codebook variable or Work Star area, a code that
        is not on the variable's scale, a statistic used outside its scopes or
        without the columns it needs, an ``approx`` claim without its interval.
    ValueError
        When ``scope`` is not a known scope.

    Examples
    --------
    >>> claims = load_claims("workstar")
    >>> sorted(set(claims["statistic"]))
    ['mean_change']
    """
    claims = _tables(package)[1]
    if scope is None:
        return claims
    known = list(claims["scope"].cat.categories)
    if scope not in known:
        raise ValueError(f"unknown claim scope {scope!r}; known: {', '.join(known)}")
    return claims[claims["scope"] == scope].reset_index(drop=True)


# --------------------------------------------------------------------------- one claim


@dataclass(frozen=True)
class Claim:
    """One published claim (a row of ``claims.csv``).

    Attributes
    ----------
    id, source, paraphrase, quantity : str
    comparator : {"=", "<", ">", "<=", ">=", "approx"}
    value : float
        The printed number (lower end of a printed range).
    value_high : float or None
        Upper end of a printed range.
    unit, precision, scope : str
    denominator : str
        Empty when not applicable.
    variable, statistic, timepoint, condition : str or None
        How to recompute the claim from data (None when not applicable).
    codes : tuple of int
        Response codes the statistic counts.
    compare_with : tuple of str
    reading : str
        The project's interpretation of the printed wording.
    reading_low, reading_high : float or None
        Interval ``[reading_low, reading_high)`` the reading allows.
    decimals : int or None
        Decimals the number was printed to, from the package's precision
        vocabulary (None for exact and approximate wording).
    """

    id: str
    source: str
    paraphrase: str
    quantity: str
    comparator: str
    value: float
    value_high: float | None
    unit: str
    denominator: str
    precision: str
    scope: str
    variable: str | None
    statistic: str | None
    codes: tuple[int, ...]
    timepoint: str | None
    condition: str | None
    compare_with: tuple[str, ...]
    reading: str
    reading_low: float | None
    reading_high: float | None
    decimals: int | None

    @property
    def interval(self) -> tuple[float, float] | None:
        """``(reading_low, reading_high)`` or None."""
        if self.reading_low is None or self.reading_high is None:
            return None
        return (self.reading_low, self.reading_high)

    @property
    def condition_parts(self) -> tuple[str, tuple[int, ...]] | None:
        """The subgroup condition as ``(variable, codes)``, or None."""
        if self.condition is None:
            return None
        var, _, codes = self.condition.partition("=")
        return var, tuple(int(c) for c in codes.split("|"))


def _opt(value, cast=str):
    return None if value is None or pd.isna(value) else cast(value)


def claim(claim_id: str, package: str | Path | None = None) -> Claim:
    """Return one published claim by id.

    Parameters
    ----------
    claim_id : str
    package : path-like, optional
        ``datapackage.json`` or its folder; see :func:`package_path`.

    Returns
    -------
    Claim

    Raises
    ------
    KeyError
        When no claim has this id.

    Examples
    --------
    >>> c = claim("help_close_person_likely_pct")
    >>> (c.variable, c.codes, c.value)
    ('help_close_person', (4, 5), 83.0)
    """
    claims = _tables(package)[1]
    match = claims[claims["id"] == claim_id]
    if match.empty:
        raise KeyError(f"unknown claim id {claim_id!r}")
    row = match.iloc[0]
    precisions = _resource(load_datapackage(package), "claims", "datapackage")["cwp:precisions"]
    return Claim(
        id=str(row["id"]),
        source=str(row["source"]),
        paraphrase=str(row["paraphrase"]),
        quantity=str(row["quantity"]),
        comparator=str(row["comparator"]),
        value=float(row["value"]),
        value_high=_opt(row["value_high"], float),
        unit=str(row["unit"]),
        denominator=_opt(row["denominator"]) or "",
        precision=str(row["precision"]),
        scope=str(row["scope"]),
        variable=_opt(row["variable"]),
        statistic=_opt(row["statistic"]),
        codes=tuple(int(c) for c in _split(row["codes"])),
        timepoint=_opt(row["timepoint"]),
        condition=_opt(row["condition"]),
        compare_with=tuple(_split(row["compare_with"])),
        reading=_opt(row["reading"]) or "",
        reading_low=_opt(row["reading_low"], float),
        reading_high=_opt(row["reading_high"], float),
        decimals=precisions[str(row["precision"])]["decimals"],
    )


# --------------------------------------------------------------------------- checking


def round_half_up(x: float, decimals: int = 0) -> float:
    """Round to ``decimals`` places, halves away from zero (as Excel's ROUND).

    Parameters
    ----------
    x : float
    decimals : int

    Returns
    -------
    float

    Notes
    -----
    The float is rounded through its shortest decimal representation
    (``repr``), so ``82.5`` and ``0.0055`` are treated as the exact halves a
    reader sees, unlike Python's :func:`round`, which rounds halves to even
    and works on the binary value.

    Examples
    --------
    >>> round_half_up(82.5), round(82.5)
    (83.0, 82)
    >>> round_half_up(0.0055, 3)
    0.006
    """
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(x))).quantize(quantum, rounding=ROUND_HALF_UP))


def claim_holds(claim: Claim, observed_value: float) -> bool:
    """Does an observed statistic agree with a published claim?

    Parameters
    ----------
    claim : Claim
    observed_value : real number
        The statistic recomputed from data, in the claim's unit (a share in
        percent, a p-value, a count ...).

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        When ``observed_value`` is not a finite real number.

    Notes
    -----
    * ``=`` with a rounding precision (``whole percent``, ``whole number``,
      ``p printed to 3 dp`` ...): the observed value rounded half up to that
      many decimals equals the printed value (or lies within a printed range
      ``value``-``value_high``).  With ``exact``: equality within 1e-9.
    * ``<``, ``>``, ``<=``, ``>=``: the printed number is a bound and is
      compared with the unrounded observation (``p<0.0001`` is strict).
    * ``approx``: ``reading_low <= observed < reading_high``.
    * For any comparator, a recorded ``[reading_low, reading_high)`` interval
      must also hold (e.g. ``p=0.000`` read as ``0.0001 <= p < 0.0005``).

    References
    ----------
    Just Economics (2020), Section 1.2: the survey was analysed in Excel,
    whose ROUND function rounds halves away from zero.

    Examples
    --------
    >>> c = claim("age_22_49_pct")
    >>> claim_holds(c, 100 * 41 / 68), claim_holds(c, 100 * 42 / 68)
    (True, False)
    >>> claim_holds(claim("rel_free_of_abuse_after_pct"), 88.2)
    True
    """
    if isinstance(observed_value, bool) or not isinstance(observed_value, numbers.Real):
        raise ValueError(f"claim {claim.id!r}: observed value must be a real number, got {observed_value!r}")
    x = float(observed_value)
    if not math.isfinite(x):
        raise ValueError(f"claim {claim.id!r}: observed value must be finite, got {observed_value!r}")
    op = claim.comparator
    if op == "=":
        if claim.decimals is None:
            if claim.value_high is None:
                holds = math.isclose(x, claim.value, rel_tol=0.0, abs_tol=1e-9)
            else:
                holds = claim.value - 1e-9 <= x <= claim.value_high + 1e-9
        else:
            shown = round_half_up(x, claim.decimals)
            high = claim.value if claim.value_high is None else claim.value_high
            holds = round_half_up(claim.value, claim.decimals) <= shown <= round_half_up(high, claim.decimals)
    elif op == "<":
        holds = x < claim.value
    elif op == "<=":
        holds = x <= claim.value
    elif op == ">":
        holds = x > claim.value
    elif op == ">=":
        holds = x >= claim.value
    elif op == "approx":
        if claim.interval is None:
            raise ValueError(f"claim {claim.id!r}: comparator 'approx' without reading_low/reading_high")
        holds = True
    else:
        raise ValueError(f"claim {claim.id!r}: unknown comparator {op!r}")
    if claim.interval is not None:
        low, high = claim.interval
        holds = holds and low <= x < high
    return bool(holds)
