"""Reading an export once for a build: the converted copy, its provenance, and the banners."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pandas as pd
import pytest

from cwp_analysis import notebook as nb
from cwp_analysis.errors import SurveyValidationError
from cwp_analysis.pipeline.inputs import ReadOptions, prepare_input
from cwp_analysis.provenance import Provenance, read_provenance, sidecar_path, write_provenance
from cwp_analysis.survey_io import read_survey
from tests.survey_factory import as_codes, make_survey, make_workstar, write_survey


def test_provenance_of_a_file_without_sidecar_is_the_file_itself(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"respondent_id\nA\n")
    found = read_provenance(path)
    assert found == Provenance("export.csv", hashlib.sha256(b"respondent_id\nA\n").hexdigest(), "survey", False)
    assert found.label == f"export.csv (sha256 {found.sha256[:10]})"


def test_sidecar_names_the_original(tmp_path):
    copy = tmp_path / "copy.csv"
    copy.write_text("x\n", encoding="utf-8")
    write_provenance(copy, Provenance("survey_SYNTHETIC.csv", "f" * 64, "survey", True))
    assert read_provenance(copy).name == "survey_SYNTHETIC.csv"
    assert nb.is_synthetic_path(copy) is True
    assert nb.file_label(copy) == "survey_SYNTHETIC.csv (sha256 ffffffffff)"


def test_broken_sidecar_is_an_error_not_a_guess(tmp_path):
    copy = tmp_path / "copy.csv"
    copy.write_text("x\n", encoding="utf-8")
    sidecar_path(copy).write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="not a provenance record"):
        read_provenance(copy)


def test_prepare_input_writes_a_private_copy_with_the_same_codes(tmp_path):
    survey = make_survey(23, seed=5, missing=0.05)
    source = write_survey(survey, tmp_path / "export.csv")
    prepared = prepare_input(source, kind="survey", inputs_dir=tmp_path / "inputs")
    assert prepared.n_rows == 23
    assert prepared.provenance.name == "export.csv"
    assert prepared.provenance.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert prepared.provenance.synthetic is False
    assert prepared.ids == tuple(survey["respondent_id"])
    assert stat.S_IMODE(prepared.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(prepared.path.parent.stat().st_mode) == 0o700
    pd.testing.assert_frame_equal(read_survey(prepared.path), read_survey(source))
    expected = as_codes(survey)
    got = read_survey(prepared.path)
    assert got.drop(columns="respondent_id").equals(expected.drop(columns="respondent_id"))
    assert read_provenance(prepared.path) == prepared.provenance


def test_prepare_input_reuses_the_copy_of_an_unchanged_export(tmp_path):
    source = write_survey(make_survey(9, seed=1), tmp_path / "export.csv")
    first = prepare_input(source, kind="survey", inputs_dir=tmp_path / "inputs")
    second = prepare_input(source, kind="survey", inputs_dir=tmp_path / "inputs")
    assert first.path == second.path
    write_survey(make_survey(9, seed=2), source)
    third = prepare_input(source, kind="survey", inputs_dir=tmp_path / "inputs")
    assert third.path != first.path


def test_prepare_input_of_a_workstar_file(tmp_path):
    source = write_survey(make_workstar(11, seed=3), tmp_path / "stars.csv")
    prepared = prepare_input(source, kind="workstar", inputs_dir=tmp_path / "inputs")
    assert prepared.n_rows == 11 and prepared.provenance.kind == "workstar"
    assert prepared.ids[0] == "W0001"


def test_an_unusable_export_writes_nothing(tmp_path):
    survey = make_survey(5, seed=1)
    survey.loc[1, "respondent_id"] = survey.loc[0, "respondent_id"]
    source = write_survey(survey, tmp_path / "export.csv")
    with pytest.raises(SurveyValidationError):
        prepare_input(source, kind="survey", inputs_dir=tmp_path / "inputs")
    assert not (tmp_path / "inputs").exists()


def test_read_options_pass_only_what_was_given():
    assert ReadOptions().as_kwargs() == {}
    assert ReadOptions(encoding="cp1252", strict=True).as_kwargs() == {"encoding": "cp1252", "strict": True}


def test_real_data_banner_names_file_and_hash():
    html = nb.real_data_banner_html(survey="export.sav (sha256 0123abcd45)")
    assert "cwp-real-data-banner" in html and "export.sav (sha256 0123abcd45)" in html
    assert "SYNTHETIC" not in html


# -- the disclosure scan gates publication ------------------------------------------------

LEAKY_CELL = (
    "from IPython.display import HTML\n"
    "HTML('<table class=\"cwp-table\"><thead><tr><th></th><th>Count</th></tr></thead><tbody>'\n"
    "     '<tr><th>Yes</th><td>[c]</td></tr><tr><th>No</th><td>40</td></tr>'\n"
    "     '<tr><th>Total</th><td>43</td></tr></tbody></table>')\n"
)


def _fixture_project(tmp_path):
    import shutil

    import nbformat

    root = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "fixtures" / "pipeline", root)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Leaky"),
                                               nbformat.v4.new_code_cell(LEAKY_CELL)])
    nbformat.write(notebook, root / "notebooks" / "03_leaky.ipynb")
    toc = root / "book" / "_toc.yml"
    toc.write_text(toc.read_text(encoding="utf-8") + "  - file: notebooks/03_leaky\n", encoding="utf-8")
    return root


@pytest.mark.slow
def test_a_site_the_page_attack_breaks_is_not_published(tmp_path):
    from cwp_analysis.disclosure_scan import UnsafeSiteError
    from cwp_analysis.pipeline import build

    root = _fixture_project(tmp_path)
    site = root / "site"
    site.mkdir()
    (site / "index.html").write_text("<html>previous site</html>\n", encoding="utf-8")
    with pytest.raises(UnsafeSiteError, match="not published.*recoverable-count"):
        build(repo_root=root, notebooks_dir=root / "notebooks", book_dir=root / "book", out_dir=site,
              cache_dir=root / ".cwp-cache", outputs_dir=root / "outputs", package_dir=root / "package",
              lock_file=root / "requirements.lock", jobs=2, progress=False, log=lambda message: None)
    assert [p.name for p in site.iterdir()] == ["index.html"]
    assert (site / "index.html").read_text(encoding="utf-8") == "<html>previous site</html>\n"
