"""Story tests: every scripted conversation in flows/stories reaches its outcome on the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine
from bot.flows import FlowSet
from bot.stories import Story, StoryError, load_stories, run_story

ROOT = Path(__file__).resolve().parents[1]
STORIES_DIR = ROOT / "flows" / "stories"
STORIES = load_stories(STORIES_DIR)


@pytest.mark.parametrize("story", STORIES, ids=[story.name for story in STORIES])
def test_story_reaches_its_outcome(engine: Engine, story: Story) -> None:
    result = run_story(engine, story)
    assert result.failures == ()
    assert (result.reached, result.passed) == (story.outcome, True)
    assert result.turn is not None
    assert result.turn.signposts


def test_every_outcome_of_every_flow_is_covered_by_a_story(flowset: FlowSet) -> None:
    covered = {(story.flow, story.outcome) for story in STORIES}
    missing = [f"{flow.id}/{outcome.id}" for flow in flowset.flows.values()
               for outcome in flow.outcomes() if (flow.id, outcome.id) not in covered]
    assert missing == []


def test_there_are_enough_realistic_stories(flowset: FlowSet) -> None:
    assert len(STORIES) >= 90  # issue 13: at least 90 stories
    assert {story.flow for story in STORIES} == set(flowset.flows)
    assert len({story.title for story in STORIES}) == len(STORIES)
    assert {path.stem for path in STORIES_DIR.glob("*.yaml")} == set(flowset.flows)


def _story(choices: tuple[str, ...], outcome: str, says: tuple[str, ...] = (),
           flow: str = "nrm_referral", audience: str | None = None) -> Story:
    return Story(flow=flow, id="broken", title="A broken story", choices=choices,
                 outcome=outcome, says=says, audience=audience)


def test_a_wrong_choice_names_the_step_the_state_and_the_options(engine: Engine) -> None:
    result = run_story(engine, _story(("safe", "continue", "maybe"), "not_fro"))
    assert result.failures == (
        "step 3: 'maybe' is not an option at state 'fro'; options are: police, other_fr, no, unsure",
    )
    assert (result.passed, result.reached) == (False, None)


def test_reaching_another_outcome_fails(engine: Engine) -> None:
    result = run_story(engine, _story(("danger",), "not_fro"))
    assert result.failures == ("reached outcome 'call_999', expected 'not_fro'",)
    assert result.reached == "call_999"


def test_stopping_before_an_outcome_fails(engine: Engine) -> None:
    result = run_story(engine, _story(("safe", "continue"), "not_fro"))
    assert result.failures == (
        "the story stopped at state 'fro' (question) without reaching an outcome; expected 'not_fro'",
    )


def test_going_on_after_the_outcome_fails(engine: Engine) -> None:
    result = run_story(engine, _story(("danger", "safe"), "call_999"))
    assert result.failures == (
        "step 2: the flow already ended at outcome 'call_999', but the story goes on with 'safe'",
    )


def test_a_missing_phrase_is_reported(engine: Engine) -> None:
    result = run_story(engine, _story(("danger",), "call_999", says=("999", "Crimestoppers")))
    assert result.failures == ("outcome 'call_999' does not say 'Crimestoppers'",)


def test_an_unknown_outcome_and_an_unknown_flow_are_reported(engine: Engine) -> None:
    result = run_story(engine, _story(("danger",), "fro"))
    assert result.failures[0].startswith("'fro' is not an outcome of flow 'nrm_referral'; outcomes are: call_999,")
    unknown = run_story(engine, _story(("danger",), "call_999", flow="no_such_flow"))
    assert unknown.failures[0].startswith("unknown flow 'no_such_flow'; flows are: ")
    assert unknown.turn is None


def test_a_flow_not_offered_to_the_audience_is_reported(engine: Engine) -> None:
    result = run_story(engine, _story(("danger",), "call_999", audience="public"))
    assert result.failures == (
        "flow 'nrm_referral' is not offered to audience 'public'; its audience is: officer, partner, trainer",
    )


def test_checklist_items_toggle_in_a_story(engine: Engine) -> None:
    ticked_once = run_story(engine, _story(("no", "yes", "mood", "done", "staff"), "child_staff",
                                           flow="spot_the_signs"))
    ticked_twice = run_story(engine, _story(("no", "yes", "mood", "mood", "done"), "child_unsure",
                                            flow="spot_the_signs"))
    assert (ticked_once.failures, ticked_twice.failures) == ((), ())


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_broken_story_file_names_the_file_the_line_the_story_and_the_fix(tmp_path: Path) -> None:
    path = _write(tmp_path / "stories", "report_concern.yaml", (
        "flow: report_concern\n"
        "stories:\n"
        "  - id: nurse\n"
        "    title: A nurse\n"
        "    choices: [\"no\"]\n"
        "    outcome: advice_outcome\n"
        "  - id: nurse\n"
        "    title: The same id again\n"
        "    choices: [\"yes\"]\n"
        "    outcome: call_999\n"
        "  - id: teacher\n"
        "    title: A teacher\n"
        "    choices: [\"no\"]\n"
        "    outcom: advice_outcome\n"
        "    audience: police\n"
    ))
    with pytest.raises(StoryError) as caught:
        load_stories(tmp_path / "stories")
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:14:5: error: unknown field 'outcom' in story 'teacher'. "
        "Fix: did you mean 'outcome'? allowed fields are: id, title, choices, outcome, audience, says, facts.",
        f"{path}:11:5: error: story 'teacher' is missing the required field 'outcome'. "
        "Fix: add 'outcome: ...' to story 'teacher'.",
        f"{path}:15:15: error: story 'teacher' has unknown audience 'police'. "
        "Fix: use one of officer, partner, public, trainer, or leave it out.",
        f"{path}:7:5: error: duplicate story id 'nurse' (first at line 3). Fix: give each story a different id.",
    ]


def test_story_files_that_are_not_yaml_or_name_the_wrong_flow_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "stories"
    bad_yaml = _write(folder, "a.yaml", "flow: a\nstories: [\n")
    wrong_flow = _write(folder, "b.yaml", "flow: c\nstories:\n  - {id: x, title: X, choices: [go], outcome: y}\n")
    with pytest.raises(StoryError) as caught:
        load_stories(folder)
    messages = [str(p) for p in caught.value.problems]
    assert messages[0].startswith(f"{bad_yaml}:3:1: error: this is not valid YAML")
    assert messages[1] == (f"{wrong_flow}:1:7: error: the story file names flow 'c' but is called b.yaml. "
                           "Fix: name the file c.yaml, or change 'flow:'.")
    assert len(messages) == 2


def test_a_missing_stories_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoryError, match="the stories folder does not exist"):
        load_stories(tmp_path / "nowhere")


def test_a_story_can_start_knowing_the_nation(nation_dir: Path, tmp_path: Path) -> None:
    """``facts: {nation: ...}`` skips the nation question (issue 13); a bad fact is refused."""
    from bot.flows import load_flows

    engine = Engine(load_flows(nation_dir))
    _write(tmp_path / "stories", "where.yaml", (
        "flow: where\n"
        "stories:\n"
        "  - {id: scot, title: In Scotland, choices: [child], outcome: scot, facts: {nation: scotland}}\n"
        "  - {id: asked, title: Asked, choices: [adult, wales], outcome: ew}\n"
    ))
    stories = load_stories(tmp_path / "stories")
    assert [s.facts for s in stories] == [(("nation", "scotland"),), ()]
    assert [run_story(engine, s).failures for s in stories] == [(), ()]
    path = _write(tmp_path / "bad", "where.yaml", (
        "flow: where\n"
        "stories:\n"
        "  - {id: a, title: A, choices: [child], outcome: scot, facts: {nation: mars}}\n"
        "  - {id: b, title: B, choices: [child], outcome: scot, facts: {county: kent}}\n"
    ))
    with pytest.raises(StoryError) as caught:
        load_stories(tmp_path / "bad")
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:3:72: error: 'mars' is not a value of the fact 'nation'. "
        "Fix: use one of england, wales, scotland, northern_ireland.",
        f"{path}:4:64: error: unknown field 'county' in the facts of story 'b'. Fix: allowed fields are: nation.",
    ]
