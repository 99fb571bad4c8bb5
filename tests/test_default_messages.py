"""The tools' default commit messages are no evidence of automation (issue 23): by hand on
the rule's parts, and end to end on a git history built here (real git), where a person
who edits through GitHub's web editor stays a person and a dependency bumper stays a bot.
(The Hub's side, over real HTTP to the fake Hub, is in test_hf.py.)"""

from __future__ import annotations

import pytest
from gitrepos import GitRepo, Who, at

from talent.config import Settings
from talent.mining import mine_git
from talent.people.identity import (
    DEFAULT_MESSAGES,
    automation_bot_probability,
    is_default_message,
    template_bot_probability,
    update_people,
)
from talent.ranking.scoring import rank_store
from talent.store import load_identity_links, load_people, open_store

VARIED = [f"Fix the {w} parser" for w in "abcdefghijklmnopqrst"]


@pytest.mark.parametrize(
    ("text", "default"),
    [
        # huggingface_hub, transformers, the Trainer, sentence-transformers
        ("Upload folder using huggingface_hub", True),
        ("Upload README.md with huggingface_hub", True),
        ("Delete folder checkpoints with huggingface_hub", True),
        ("Super-squash branch 'main' using huggingface_hub", True),
        ("Upload model", True),
        ("Upload tokenizer", True),
        ("Upload LlamaForCausalLM", True),
        ("Training in progress, epoch 3", True),
        ("End of training", True),
        ("Add new SentenceTransformer model", True),
        ("Upload 3 files", True),
        # the Hub's and GitHub's web editors (the file name as written)
        ("Update README.md", True),
        ("Create LICENSE", True),
        ("Update Dockerfile", True),
        ("Add files via upload", True),
        ("Rename train.py to finetune.py", True),
        ("Initial commit", True),
        ("Upload folder using huggingface_hub\n\nmore words", True),  # the first line counts
        # people's and template bots' own messages
        ("Add tests", False),
        ("Update docs", False),
        ("Update v1.2.3", False),
        ("Bump torch from 2.1.0 to 2.2.0", False),
        ("Release v0.3.0", False),
        ("Merge pull request #3 from ada/fix", False),
        ("", False),
    ],
)
def test_default_messages_by_hand(text, default):
    assert is_default_message(text) is default


def test_the_list_of_default_messages_is_one_tuple_of_patterns():
    assert isinstance(DEFAULT_MESSAGES, tuple) and len(DEFAULT_MESSAGES) == 17


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (["Upload folder using huggingface_hub"] * 29, 0.0),  # issue 23's case: was 1.0
        (["Update README.md"] * 48 + VARIED[:8], 0.0),
        # Default messages leave the rest to judge: 12 bumps alone are one template.
        (["Upload model"] * 20 + [f"Bump x from 1.{n} to 1.{n + 1}" for n in range(12)], 1.0),
        # Fewer than 10 messages of one's own say nothing.
        (["Upload model"] * 30 + ["Release v1.0"] * 9, 0.0),
    ],
)
def test_template_probability_leaves_default_messages_out(messages, expected):
    assert template_bot_probability(messages) == expected


def test_an_automation_word_with_default_messages_is_no_template_either():
    titles = ["Upload folder using huggingface_hub"] * 30
    assert automation_bot_probability(titles, word="release") == (0.0, "")
    bumps = [f"Bump x from 1.{n} to 1.{n + 1}" for n in range(12)]
    assert automation_bot_probability(titles + bumps) == (
        1.0,
        "12 of 12 messages follow one template",
    )


def test_a_web_editor_committer_stays_a_person_and_a_bumper_stays_a_bot(tmp_path):
    repo = GitRepo.init(tmp_path / "repo")
    editor = Who("Wren Editor", "wren@people.example")
    bumper = Who("Deps Helper", "deps-helper@people.example")
    coder = Who("Cody Coder", "cody@people.example")
    day = 0
    for n in range(48):
        day += 1
        repo.commit("Update README.md", author=editor, when=at(day), files={"README.md": f"{n}"})
    for word in "abcdefgh":
        day += 1
        repo.commit(f"Describe the {word} option", author=editor, when=at(day),
                    files={f"docs/{word}.md": word})  # fmt: skip
    for n in range(12):
        day += 1
        repo.commit(f"Bump requests from 2.{n}.0 to 2.{n + 1}.0", author=bumper, when=at(day),
                    files={"requirements.txt": f"requests==2.{n + 1}.0"})  # fmt: skip
    for n, word in enumerate(VARIED[:12]):
        day += 1
        repo.commit(word, author=coder, when=at(day), files={f"src/m{n}.py": word})
    engine = open_store(f"sqlite:///{tmp_path / 'git.db'}")
    mine_git(engine, repo.path, name="acme/widgets")
    settings = Settings(db_url=str(engine.url), people_file=str(tmp_path / "people.toml"))
    update_people(engine, settings)
    links = load_identity_links(engine).set_index("identity_key")["person_id"]
    people = load_people(engine).set_index("person_id")

    def judged(who: Who) -> tuple[bool, float]:
        row = people.loc[links[f"git:{who.name}\x1f{who.email}"]]
        return bool(row["is_bot"]), float(row["bot_probability"])

    assert judged(editor) == (False, 0.0)  # was a bot: "48 of 56 messages follow one template"
    assert judged(bumper) == (True, 1.0)
    assert judged(coder) == (False, 0.0)
    ranked = set(rank_store(engine, settings)["person_id"])
    assert links[f"git:{editor.name}\x1f{editor.email}"] in ranked
    assert links[f"git:{bumper.name}\x1f{bumper.email}"] not in ranked
