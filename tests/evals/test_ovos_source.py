"""The OpenVoiceOS skills loader reads a small skill written here in the shape the PyPI wheels ship."""

from __future__ import annotations

import json
from pathlib import Path

from agentfn.evals.router_data import UNSEEN_FAMILIES
from agentfn.evals.router_data.fetch import Package
from agentfn.evals.router_data.ovos_grammar import AdaptRule, expand, normalize, template_regex
from agentfn.evals.router_data.ovos_skill import read_skill
from agentfn.evals.router_data.ovos_source import FAMILY, SOURCE, ovos_packages, ovos_source

_CODE = '''
from ovos_workshop.decorators import intent_handler
from ovos_workshop.intents import IntentBuilder


class GardenSkill:
    @intent_handler("water.plant.intent")
    def handle_water_plant(self, message):
        """Water one plant of the garden now.

        Examples:
            "give the basil a drink"

        Args:
            message: the bus message
        """

    @intent_handler("plant.status.intent")
    def handle_plant_status(self, message):
        """Report how dry a plant's soil is."""

    @intent_handler(IntentBuilder("MowLawn").require("mow").optionally("garden").exclude("status"))
    def handle_mow(self, message):
        pass

    def initialize(self):
        self.register_intent_file("frost.intent", self.handle_frost)

    def handle_frost(self, message):
        """Warn when frost is expected tonight."""
'''

_FILES = {
    "intents/water.plant.intent": "(water|sprinkle) the {plant}\nwater [my] {plant} please\n",
    "intents/plant.status.intent": "how dry is the {plant}\nis the {plant} (thirsty|dry)\n",
    "frost.intent": "will it freeze tonight\nis frost coming\n",
    "vocab/mow.voc": "mow\ncut the (grass|lawn)\n",
    "vocab/garden.voc": "garden\nyard\n",
    "vocab/status.voc": "status\n",
    "plant.entity": "tomatoes\nrose bush\n",
}

_META = {
    "description": "Look after a small garden",
    "examples": [
        "Water the sunflowers.",  # Padatious: water.plant, slot plant = sunflowers
        "Is the fern thirsty?",  # Padatious: plant.status
        "Cut the grass in the yard",  # Adapt: MowLawn
        "mow status",  # excluded keyword: no handler fits, dropped
        "Water the ____",  # placeholder: dropped
    ],
}


def _skill(root: Path) -> Path:
    pkg = root / "garden_skill"
    locale = pkg / "locale" / "en-us"
    for rel, text in _FILES.items():
        (locale / rel).parent.mkdir(parents=True, exist_ok=True)
        (locale / rel).write_text(text)
    (locale / "skill.json").write_text(json.dumps(_META))
    (pkg / "__init__.py").write_text(_CODE)
    return root


def test_expand_alternatives_optionals_and_slots() -> None:
    assert expand("(water|sprinkle) [my] {plant}") == [
        "water my {plant}", "water {plant}", "sprinkle my {plant}", "sprinkle {plant}"]
    m = template_regex("is the {plant} (thirsty)").match(normalize("Is the rose bush thirsty?"))
    assert m is not None and m.group("plant") == "rose bush"
    assert template_regex("ask the oracle {query}").match(normalize("ask the oracles about rain")) is None


def test_adapt_rule_needs_required_and_no_excluded() -> None:
    vocab = {"mow": ["mow", "cut the grass"], "status": ["status"]}
    rule = AdaptRule("MowLawn", require=["mow"], exclude=["status"])
    assert rule.matches("please cut the grass", vocab)
    assert not rule.matches("mow status", vocab)
    assert not rule.matches("water the grass", vocab)


def test_reads_handlers_from_decorators_and_registrations(tmp_path: Path) -> None:
    skill = read_skill(_skill(tmp_path), "ovos-skill-garden")
    assert skill is not None
    by = {h.method: h for h in skill.handlers}
    assert set(by) == {"handle_water_plant", "handle_plant_status", "handle_mow", "handle_frost"}
    assert by["handle_water_plant"].summary == "Water one plant of the garden now."
    assert by["handle_water_plant"].examples == ["give the basil a drink"]
    assert by["handle_frost"].sentences == ["will it freeze tonight", "is frost coming"]
    assert by["handle_mow"].adapt is not None and by["handle_mow"].adapt.require == ["mow"]
    assert skill.entities["plant"] == ["tomatoes", "rose bush"]


def test_source_tools_and_labelled_requests(tmp_path: Path) -> None:
    pkg = Package("pypi", "ovos-skill-garden", "1.0", "0" * 64, "Apache-2.0")
    src = ovos_source([(pkg, _skill(tmp_path))])
    assert (src.name, src.family) == (SOURCE, FAMILY) and FAMILY in UNSEEN_FAMILIES
    tools = {t["name"]: t for t in src.tools}
    assert set(tools) == {"garden__water_plant", "garden__plant_status", "garden__mow", "garden__frost"}
    assert tools["garden__water_plant"]["parameters"]["required"] == ["plant"]
    assert tools["garden__mow"]["description"] == "Mow Lawn. Look after a small garden"
    gold = {e.text: e.gold for e in src.examples}
    assert gold["Water the sunflowers."] == ["garden__water_plant"]
    assert gold["Is the fern thirsty?"] == ["garden__plant_status"]
    assert gold["Cut the grass in the yard"] == ["garden__mow"]
    assert gold["give the basil a drink"] == ["garden__water_plant"]
    assert "mow status" not in gold and not any("__" in t for t in gold)
    water = next(e for e in src.examples if e.text == "Water the sunflowers.")
    assert water.calls == [{"name": "garden__water_plant", "arguments": {"plant": "sunflowers"}}]
    sentences = [e for e in src.examples if ":sentence:" in e.id]
    # two grammar sentences per handler with one, slots filled from entity values or examples' captures
    assert {e.gold[0] for e in sentences} == {"garden__water_plant", "garden__plant_status", "garden__frost"}
    assert all("{" not in e.text for e in sentences)
    assert all(e.kind == "single" for e in src.examples)
    assert len({normalize(e.text) for e in src.examples}) == len(src.examples)


def test_pinned_wheels_are_permissive() -> None:
    pkgs = ovos_packages()
    assert len(pkgs) >= 20 and all(p.name.startswith("ovos-skill-") for p in pkgs)
    assert all(len(p.sha256) == 64 for p in pkgs)
    assert {p.licence for p in pkgs} <= {"Apache-2.0", "MIT", "BSD-3-Clause"}


def test_skill_without_english_locale_is_skipped(tmp_path: Path) -> None:
    pkg = tmp_path / "other_skill"
    (pkg / "locale" / "de-de").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    assert read_skill(tmp_path, "ovos-skill-other") is None
    src = ovos_source([(Package("pypi", "ovos-skill-other", "1", "0" * 64, "MIT"), tmp_path)])
    assert src.tools == [] and src.examples == []
