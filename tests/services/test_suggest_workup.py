"""The suggest_workup command-line contract."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from evaluation.audit import Actor
from evaluation.services import templates as template_services


def run_command(tmp_path: Path, payload: Any, *args: str, raw: str | None = None) -> tuple[int, str, str]:
    case_file = tmp_path / "case.json"
    case_file.write_text(raw if raw is not None else json.dumps(payload), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("suggest_workup", str(case_file), *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("prefix,expected", [
    ("Worked example 1", {"tests": [], "referrals": [], "patterns": ["benign_fasciculation_pattern"],
                          "advice_includes": ["reassurance", "reduce_caffeine", "trigger_review", "safety_net"]}),
    ("Worked example 2", {"tests": ["electrolytes"], "referrals": [], "patterns": ["exercise_associated_cramps"],
                          "advice_includes": ["hydration", "stretching", "electrolyte_intake"]}),
    ("Worked example 3", {"tests": ["electrolytes", "kidney_panel"], "patterns": [],
                          "advice_includes": ["medication_review", "stretching"]}),
    ("Worked example 4", {"red_flags": ["rf_weakness", "rf_atrophy", "rf_progressive", "objective_weakness",
                                        "exam_atrophy"],
                          "tests": ["electrolytes", "kidney_panel", "thyroid_panel", "liver_panel", "emg", "ncv"],
                          "referrals": ["neurology_referral"], "patterns": []}),
])
def test_it_gives_the_worked_examples_exactly_through_the_command(version, tmp_path, prefix, expected):
    answers = version.cases.get(name__startswith=prefix).answers
    code, out, _ = run_command(tmp_path, {"answers": answers})
    assert code == 0
    output = json.loads(out)
    assert output["template"] == "fasciculation-cramp@1"
    for key in ("red_flags", "tests", "referrals", "patterns"):
        if key in expected:
            assert sorted(r["code"] for r in output[key]) == sorted(expected[key]), key
    advice = [r["code"] for r in output["advice"]]
    assert set(expected.get("advice_includes", [])) <= set(advice)
    if prefix == "Worked example 4":
        assert {r["code"]: r["priority"] for r in output["tests"]}["emg"] == "urgent"
        assert output["referrals"][0]["priority"] == "urgent"
        assert "reassurance" not in advice
        assert all(r["source"]["quote"] and r["source"]["section"] for key in ("tests", "referrals")
                   for r in output[key])


def test_it_exits_2_naming_every_bad_code_and_value_with_nothing_on_stdout(version, tmp_path, capsys):
    code, out, _ = run_command(tmp_path, {"answers": {"cramps": "often", "bogus_item": 1, "mrc_hip_flexion_left": 9}})
    err = capsys.readouterr().err
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "bogus_item: unknown item code" in err
    assert "cramps" in err and "'often'" in err
    assert "mrc_hip_flexion_left" in err and "out of range" in err


@pytest.mark.parametrize("raw,message", [
    ("{not json", "is not valid JSON"),
    ('{"answers": [1, 2]}', 'must be a JSON object with an "answers" object'),
    ("[]", 'must be a JSON object with an "answers" object'),
])
def test_it_refuses_malformed_case_files(version, tmp_path, capsys, raw, message):
    code, out, _ = run_command(tmp_path, None, raw=raw)
    assert code == 2
    assert out == ""
    assert message in capsys.readouterr().err


def test_it_refuses_an_unknown_template(version, tmp_path, capsys):
    code, out, _ = run_command(tmp_path, {"answers": {}}, "--template", "fasciculation-cramp@7")
    assert (code, out) == (2, "")
    assert "no version of template 'fasciculation-cramp@7'" in capsys.readouterr().err


def test_it_uses_the_newest_published_version_by_default(version, clinician, tmp_path):
    draft = template_services.template_clone(version=version, actor=Actor(clinician))
    code, out, _ = run_command(tmp_path, {"answers": {}})
    assert json.loads(out)["template"] == "fasciculation-cramp@1"
    template_services.template_publish(version=draft, actor=Actor(clinician))
    code, out, _ = run_command(tmp_path, {"answers": {}})
    assert json.loads(out)["template"] == "fasciculation-cramp@2"
    code, out, _ = run_command(tmp_path, {"answers": {}}, "--template", "fasciculation-cramp@1")
    assert json.loads(out)["template"] == "fasciculation-cramp@1"


def test_it_exits_2_for_an_invalid_draft_version(version, clinician, tmp_path, capsys):
    from evaluation.models import Rule

    draft = template_services.template_clone(version=version, actor=Actor(clinician))
    Rule.objects.filter(version=draft, code="emg").update(condition={"item": "ghost", "is": True})
    code, out, _ = run_command(tmp_path, {"answers": {}}, "--template", "fasciculation-cramp@2")
    assert (code, out) == (2, "")
    assert "fasciculation-cramp@2 is not a valid template: rule emg: refers to unknown item 'ghost'" in (
        capsys.readouterr().err)
