"""The SYNTHETIC survey generator: determinism, calibration, layout, solver, CLI."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from cwp_analysis import published, synth
from cwp_analysis.cli import main
from cwp_analysis.codebook import load_codebook
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import data_file
from cwp_analysis.reproduction import evaluate_claims
from cwp_analysis.stats import wilcoxon_signed_rank
from cwp_analysis.survey_io import read_survey, read_workstar
from cwp_analysis.synth import ShareTarget, feasible_counts, solve_denominator
from cwp_analysis.validate import validate_survey, validate_workstar

OTHER_SEED = 7

SURVEY_PATH = data_file("synthetic", synth.SURVEY_FILENAME)
WORKSTAR_PATH = data_file("synthetic", synth.WORKSTAR_FILENAME)


@functools.lru_cache(maxsize=None)
def _generated(seed: int) -> dict[str, bytes]:
    return synth.synthetic_file_bytes(seed)


@functools.lru_cache(maxsize=None)
def _frames(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    codebook = load_codebook()
    calibration = synth.load_calibration(codebook=codebook)
    return (
        synth.generate_survey(seed, codebook, calibration),
        synth.generate_workstar(seed, codebook, calibration),
    )


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return read_survey(SURVEY_PATH)


@pytest.fixture(scope="module")
def workstar() -> pd.DataFrame:
    return read_workstar(WORKSTAR_PATH)


# --------------------------------------------------------------------------- determinism


def test_default_seed_regenerates_the_committed_files_byte_for_byte():
    generated = _generated(synth.DEFAULT_SEED)
    assert set(generated) == {"survey_SYNTHETIC.csv", "workstar_SYNTHETIC.csv"}
    assert generated["survey_SYNTHETIC.csv"] == SURVEY_PATH.read_bytes()
    assert generated["workstar_SYNTHETIC.csv"] == WORKSTAR_PATH.read_bytes()


def test_write_synthetic_writes_the_same_bytes(tmp_path):
    seen = []
    written = synth.write_synthetic(tmp_path, synth.DEFAULT_SEED, progress=lambda p, n: seen.append((p.name, n)))
    assert [p.name for p in written] == ["survey_SYNTHETIC.csv", "workstar_SYNTHETIC.csv"]
    assert seen == [("survey_SYNTHETIC.csv", 68), ("workstar_SYNTHETIC.csv", 41)]
    for path in written:
        assert path.read_bytes() == data_file("synthetic", path.name).read_bytes()


@pytest.mark.parametrize("path", [SURVEY_PATH, WORKSTAR_PATH], ids=["survey", "workstar"])
def test_file_encoding_is_canonical(path):
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in raw
    assert raw.endswith(b"\n") and not raw.endswith(b"\n\n")
    raw.decode("utf-8")
    body = raw.split(b"\n", 1)[1]
    assert b"." not in body  # codes are whole numbers, never "3.0"
    assert b"SYNTHETIC" in path.name.encode()


def test_another_seed_gives_different_data():
    default, other = _generated(synth.DEFAULT_SEED), _generated(OTHER_SEED)
    assert default["survey_SYNTHETIC.csv"] != other["survey_SYNTHETIC.csv"]
    assert default["workstar_SYNTHETIC.csv"] != other["workstar_SYNTHETIC.csv"]


def test_another_seed_is_still_calibrated():
    survey, workstar = _frames(OTHER_SEED)
    claims = published.load_claims()
    checkable = claims[claims["scope"].isin(["survey", "workstar"]) & claims["statistic"].notna()]
    table = evaluate_claims(survey, workstar, claims=checkable)
    failing = table[table["holds"] != True]  # noqa: E712 - nullable boolean
    assert len(table) == len(checkable) > 90
    assert failing.empty, failing[["id", "published", "recomputed_display"]].to_string()


def test_quotas_are_exact_for_every_seed():
    survey, _ = _frames(OTHER_SEED)
    age = survey["age_band"].value_counts().to_dict()
    assert age == {2: 39, 9: 18, 1: 5, 3: 3}
    assert survey["age_band"].isna().sum() == 3
    ethnicity = survey["ethnicity"].value_counts().to_dict()
    assert ethnicity == {1: 20, 2: 17, 3: 11, 4: 8, 5: 6, 9: 2}
    assert int((survey["children_live_with_mother"] == 1).sum()) == 39


def test_bad_seed_is_rejected():
    with pytest.raises(ValueError, match="seed"):
        synth.generate_survey(-1)
    with pytest.raises(ValueError, match="seed"):
        synth.generate_workstar("7")


# --------------------------------------------------------------------------- layout and codes


def test_survey_layout(survey):
    codebook = load_codebook()
    assert len(survey) == 68
    assert list(survey.columns) == codebook.columns()
    ids = survey["respondent_id"]
    assert ids.is_unique
    assert ids.iloc[0] == "SYN-001" and ids.iloc[-1] == "SYN-068"


def test_committed_files_are_valid_against_the_codebook():
    survey_report = validate_survey(SURVEY_PATH)
    workstar_report = validate_workstar(WORKSTAR_PATH)
    assert survey_report.ok, survey_report.problems
    assert workstar_report.ok, workstar_report.problems
    assert (survey_report.n_rows, workstar_report.n_rows) == (68, 41)


def test_generated_frame_has_codebook_codes_only():
    survey, _ = _frames(OTHER_SEED)
    codebook = load_codebook()
    for var in codebook.variables.values():
        if var.scale is None:
            continue
        for column in var.columns:
            values = set(survey[column].dropna().astype(int))
            assert values <= set(var.scale.allowed_codes), (column, values)


def test_paired_halves_are_missing_together(survey):
    codebook = load_codebook()
    some_missing = 0
    for var in codebook.paired_items():
        before, after = survey[var.before_column].isna(), survey[var.after_column].isna()
        assert (before == after).all(), var.id
        some_missing += int(before.any())
    assert some_missing > 10  # realistic item non-response on most pairs


def test_follow_up_question_only_for_mothers(survey):
    asked = survey["children_live_with_mother"].notna()
    assert (survey.loc[asked, "has_children"] == 1).all()
    assert asked.sum() == (survey["has_children"] == 1).sum() == 53


def test_every_celc_user_receives_legal_help(survey):
    celc = survey["uses_celc"] == 1
    assert (survey.loc[celc, "need_legal"] == 2).all()


def test_every_woman_uses_a_partner_and_fwt_is_most_used(survey):
    partners = ["uses_fwt", "uses_crasac", "uses_chwa", "uses_kairos", "uses_celc"]
    assert (survey[partners].sum(axis=1) >= 1).all()
    assert survey[partners].sum().to_dict() == {
        "uses_fwt": 30,
        "uses_crasac": 20,
        "uses_chwa": 14,
        "uses_kairos": 11,
        "uses_celc": 16,
    }


def test_answers_are_correlated_within_a_person(survey):
    codebook = load_codebook()
    before = survey[[v.before_column for v in codebook.paired_items("mental_wellbeing")]].astype(float)
    corr = before.corr().to_numpy()
    off_diagonal = corr[~np.eye(len(corr), dtype=bool)]
    assert off_diagonal.mean() > 0.3


def test_some_women_do_not_improve(survey):
    codebook = load_codebook()
    var = codebook.variable("swemwbs_optimistic")
    change = (survey[var.after_column] - survey[var.before_column]).dropna()
    assert (change <= 0).sum() >= 5
    assert change.max() <= 3 and change.min() >= -2


def test_workstar_readings(workstar):
    spec = load_codebook().workstar
    assert len(workstar) == 41 and workstar["participant_id"].is_unique
    assert workstar["participant_id"].iloc[0] == "SYN-WS-001"
    changes = []
    for area in spec.areas:
        first, last = workstar[spec.first_column(area.id)], workstar[spec.last_column(area.id)]
        assert first.between(1, 10).all() and last.between(1, 10).all()
        change = (last - first).astype(float)
        assert change.mean() > 0
        assert 0.5 < change.std() < 3.5
        changes.append(change)
    assert sum(int((c <= 0).sum()) for c in changes) > 10  # paired non-improvers


# --------------------------------------------------------------------------- p-value convention


def test_calibration_pvalues_match_the_projects_wilcoxon(survey):
    codebook = load_codebook()
    for var in codebook.paired_items():
        if var.kind != "ordinal":
            continue
        both = survey[[var.before_column, var.after_column]].dropna().astype(int)
        b, a = both[var.before_column].to_numpy(), both[var.after_column].to_numpy()
        assert synth.paired_pvalue(b, a) == pytest.approx(wilcoxon_signed_rank(b, a).pvalue, rel=1e-9), var.id


def test_paired_pvalue_is_vectorised_and_handles_no_change():
    before = np.array([1, 2, 2, 3, 1, 2, 3, 2, 1, 2])
    after = np.array([3, 3, 4, 4, 2, 4, 4, 3, 1, 2])
    many = synth.paired_pvalue(np.vstack([before, before]), np.vstack([after, before]))
    assert many[0] == pytest.approx(synth.paired_pvalue(before, after))
    assert many[1] == 1.0
    # By hand: V = 36 of 8 non-zero pairs, mean 18, tie-corrected variance 48,
    # z = 17.5 / sqrt(48) = 2.5259, two-sided p = 0.011540.
    assert many[0] == pytest.approx(0.011540, abs=1e-6)


# --------------------------------------------------------------------------- denominator solver


def test_eight_percent_is_impossible_out_of_68():
    assert feasible_counts(ShareTarget((1,), "=", 8.0), 68) == []
    assert feasible_counts(ShareTarget((1,), "=", 80.0), 68) == []
    assert feasible_counts(ShareTarget((1,), "=", 83.0), 68) == []
    assert feasible_counts(ShareTarget((1,), "=", 13.0), 64) == [8]  # 12.5% rounds half up


def test_solver_known_denominators():
    age = [ShareTarget((2,), "=", 60.0), ShareTarget((1,), "=", 8.0), ShareTarget((3,), "<", 5.0)]
    assert solve_denominator(age, 68).answered == 65
    ethnicity = [ShareTarget((c,), "=", v) for c, v in [(1, 31), (2, 27), (3, 17), (4, 13)]]
    assert solve_denominator(ethnicity, 68).answered == 64
    children = [ShareTarget((1,), "=", 39, unit="count"), ShareTarget((1,), "approx", 75, low=72.5, high=77.5)]
    assert solve_denominator(children, 52).answered == 52
    assert solve_denominator(children, 53).answered == 53
    bank = [ShareTarget((1,), "=", 95.0, timepoint="before"), ShareTarget((1,), "=", 95.0, timepoint="after")]
    assert solve_denominator(bank, 68).answered == 66


def test_solver_rejects_codes_that_cannot_share_the_answers():
    # 60% and 50% of disjoint codes cannot both hold: no n fits.
    with pytest.raises(ValueError, match="no denominator"):
        solve_denominator([ShareTarget((1,), "=", 60.0), ShareTarget((2,), "=", 50.0)], 68)


def test_calibration_denominators_are_the_solver_output():
    derived = synth.derive_denominators(published.load_claims())
    calibration = synth.load_calibration()
    recorded = {
        e.variable: e.answered
        for e in (*calibration.single_items, *calibration.paired_items, *calibration.binary_pairs)
        if e.answered_basis == "solver"
    }
    assert {k: v.answered for k, v in derived.items()} == recorded


def test_calibration_lists_every_survey_and_workstar_claim():
    calibration = synth.load_calibration()
    claims = published.load_claims()
    checkable = set(claims.loc[claims["scope"].isin(["survey", "workstar"]) & claims["statistic"].notna(), "id"])
    assert checkable <= set(calibration.claim_ids())
    assert set(calibration.claim_ids()) <= set(claims["id"])


def test_broken_calibration_is_reported(tmp_path):
    text = data_file("synthetic", "calibration.yaml").read_text(encoding="utf-8")
    broken = text.replace("counts: {1: 5, 2: 39, 3: 3, 9: 18}", "counts: {1: 5, 2: 39, 3: 3, 7: 18}")
    assert broken != text
    path = tmp_path / "calibration.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(DataFileError, match=r"codes \[7\] are not in scale 'age_band'"):
        synth.load_calibration(path)


def test_format_csv():
    frame = pd.DataFrame(
        {
            "id": pd.array(["a", "b,c"], dtype="string"),
            "x": pd.array([3, None], dtype="Int64"),
        }
    )
    assert synth.format_csv(frame) == b'id,x\na,3\n"b,c",\n'
    with pytest.raises(ValueError, match="non-integer"):
        synth.format_csv(pd.DataFrame({"x": [1.5]}))


# --------------------------------------------------------------------------- command line


def test_cli_check_passes_on_the_committed_files(capsys):
    assert main(["synth", "--check"]) == 0
    err = capsys.readouterr().err
    assert "survey_SYNTHETIC.csv matches seed 20200501" in err


def test_cli_writes_and_detects_a_tampered_file(tmp_path, capsys):
    assert main(["synth", "--seed", str(synth.DEFAULT_SEED), "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert err.count("wrote ") == 2 and "(68 rows, SYNTHETIC, seed 20200501)" in err
    assert main(["synth", "--out", str(tmp_path), "--check"]) == 0
    path = tmp_path / "survey_SYNTHETIC.csv"
    path.write_bytes(path.read_bytes().replace(b"SYN-002,", b"SYN-999,"))
    capsys.readouterr()
    assert main(["synth", "--out", str(tmp_path), "--check"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("cwp synth: error:")]
    assert len(err) == 1
    assert "survey_SYNTHETIC.csv differs from what seed 20200501 generates (first difference on line 3)" in err[0]


def test_cli_errors_are_one_line(tmp_path, capsys):
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    assert main(["synth", "--out", str(not_a_folder)]) == 1
    assert capsys.readouterr().err.strip() == f"cwp synth: error: --out {not_a_folder} is not a folder"
    assert main(["synth", "--out", str(tmp_path / "empty"), "--check"]) == 1
    assert "is missing" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["synth", "--seed", "-3"])
