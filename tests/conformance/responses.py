"""FHIR QuestionnaireResponses built from the Questionnaire the API serves, nested any way.

Item types, choice systems and unit codes are read from the served Questionnaire, as another
system would read them; the nesting (groups inside groups, items under another item's answer,
empty groups, any order) is decoded from a gene's bytes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from tests.conformance.space import NESTING, Reader, choice

IN_PROGRESS, COMPLETED, AMENDED = "in-progress", "completed", "amended"
VALUE_ELEMENTS = {"boolean": "valueBoolean", "integer": "valueInteger",
                  "choice": "valueCoding", "quantity": "valueQuantity"}


@dataclass
class Questionnaire:
    """What a client needs from the served Questionnaire to answer it."""

    url: str
    version: str
    groups: list[tuple[str, list[str]]] = field(default_factory=list)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A quantity question's companion yes/no item that says "not measured".
    not_measured: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, document: dict[str, Any]) -> Questionnaire:
        """Read the served document."""
        made = cls(document["url"], document["version"])
        for group in document["item"]:
            answerable = [i for i in group.get("item", []) if i["type"] in VALUE_ELEMENTS]
            made.groups.append((group["linkId"], [i["linkId"] for i in answerable]))
            for before, item in zip(answerable, answerable[1:], strict=False):
                if before["type"] == "quantity" and item["type"] == "boolean" \
                        and item["linkId"].startswith(before["linkId"]):
                    made.not_measured[before["linkId"]] = item["linkId"]
            made.items.update({i["linkId"]: i for i in answerable})
        return made

    def answer(self, link: str, value: Any) -> dict[str, Any]:
        """One answer to an item, in the value[x] its type needs."""
        item = self.items[link]
        element = VALUE_ELEMENTS[item["type"]]
        if item["type"] == "choice":
            coding = next(o["valueCoding"] for o in item["answerOption"]
                          if o["valueCoding"]["code"] == value)
            return {element: {"system": coding["system"], "code": value}}
        if item["type"] == "quantity":
            units = [e["valueCoding"] for e in item.get("extension", [])
                     if e.get("valueCoding", {}).get("display", "").lstrip("°") in ("C", "F")]
            coding = next(c for c in units if c["display"].lstrip("°") == value["unit"])
            return {element: {"value": value["value"], "system": coding["system"],
                              "code": coding["code"]}}
        return {element: value}

    def raw_answer(self, link: str, value: Any) -> dict[str, Any]:
        """An answer in the item's value[x], whatever the value: for refused answers."""
        item = self.items[link]
        element = VALUE_ELEMENTS[item["type"]]
        if item["type"] == "choice":
            system = item["answerOption"][0]["valueCoding"]["system"]
            return {element: {"system": system, "code": value}}
        if item["type"] == "quantity" and isinstance(value, dict):
            try:
                return self.answer(link, value)
            except StopIteration:
                return {element: {"value": value.get("value"), "code": value.get("unit")}}
        return {element: value}

    def leaves(self, answers: dict[str, Any]) -> list[dict[str, Any]]:
        """One answered item per answer; a temperature not measured answers its companion."""
        made = []
        for link in self.items:
            if link not in answers:
                continue
            value = answers[link]
            if link in self.not_measured and value is None:
                made.append({"linkId": self.not_measured[link],
                             "answer": [{"valueBoolean": True}]})
            elif link not in self.not_measured.values():
                made.append({"linkId": link, "answer": [self.answer(link, value)]})
        return made

    def response(self, gene: bytes, answers: dict[str, Any], status: str, *,
                 under_answers: bool = False, chained: bool = False) -> dict[str, Any]:
        """A response giving these answers, its groups nested and shuffled as the gene says.

        With under_answers, some items are moved under another item's answer (as FHIR nests a
        question that depends on an answer), at any depth; chained puts every item under the
        answer of the one before, as deep as there are items.
        """
        read = choice(gene, NESTING)
        wanted = {leaf["linkId"]: leaf for leaf in self.leaves(answers)}
        owners = {link: group for group, links in self.groups for link in links}
        groups: dict[str, dict[str, Any]] = {}
        for group, _links in self.groups:
            groups[group] = {"linkId": group, "item": []}
        for link, leaf in wanted.items():
            groups[owners[link]]["item"].append(leaf)
        if chained and len(wanted) > 1:
            leaves = list(wanted.values())
            for before, leaf in zip(leaves, leaves[1:], strict=False):
                for holder in groups.values():
                    _remove(holder, leaf)
                before["answer"][0]["item"] = [leaf]
        elif under_answers:
            leaves = list(wanted.values())
            for leaf in leaves[1:]:
                if not read.chance(0.5):
                    continue
                host = read.pick(leaves[:leaves.index(leaf)])
                if leaf is host or _contains(leaf, host):
                    continue
                for holder in groups.values():
                    _remove(holder, leaf)
                host["answer"][0].setdefault("item", []).append(leaf)
        top = [groups[group] for group, _ in self.groups]
        for group in list(top[1:]):
            if read.chance(0.4):  # nested in an earlier group, at whatever depth that one is
                host = read.pick(top[:top.index(group)])
                top.remove(group)
                host["item"].append(group)
        for holder in groups.values():
            if not holder["item"]:
                del holder["item"]  # an empty group: a linkId with nothing under it
            else:
                _shuffle(read, holder["item"])
        _shuffle(read, top)
        return {"resourceType": "QuestionnaireResponse",
                "questionnaire": f"{self.url}|{self.version}", "status": status, "item": top}


def _shuffle(read: Reader, items: list[Any]) -> None:
    """Reorder a list as the gene says; byte 0 leaves it as it is."""
    for index in range(len(items) - 1, 0, -1):
        other = read.byte() % (index + 1)
        items[index], items[other] = items[other], items[index]


def _contains(tree: dict[str, Any], target: dict[str, Any]) -> bool:
    """Whether target is somewhere under tree."""
    for child in tree.get("item", []) + [i for a in tree.get("answer", [])
                                          for i in a.get("item", [])]:
        if child is target or _contains(child, target):
            return True
    return False


def _remove(tree: dict[str, Any], target: dict[str, Any]) -> None:
    """Take target out of wherever it is under tree."""
    children = tree.get("item", [])
    if any(child is target for child in children):
        tree["item"] = [child for child in children if child is not target]
        return
    for child in children:
        _remove(child, target)
    for answer in tree.get("answer", []):
        _remove(answer, target)


def all_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every item of a response, under groups and under answers."""
    found = []
    for item in items:
        found.append(item)
        found += all_items(item.get("item", []))
        for answer in item.get("answer", []):
            found += all_items(answer.get("item", []))
    return found


def with_item_twice(response: dict[str, Any], gene: bytes, link: str,
                    other: dict[str, Any]) -> dict[str, Any]:
    """The response with one more item of this linkId, answered `other`, somewhere in it."""
    doubled = copy.deepcopy(response)
    read = choice(gene, NESTING + 1)
    places = [doubled] + [i for i in all_items(doubled["item"]) if "answer" not in i
                          or read.chance(0.3)]
    host = read.pick(places)
    extra = {"linkId": link, "answer": [other]}
    if "answer" in host and host is not doubled:
        host["answer"][0].setdefault("item", []).append(extra)
    else:
        host.setdefault("item", []).append(extra)
    return doubled


def named(body: Any) -> set[str]:
    """The fields or linkIds a refusal names: JSON errors, or an OperationOutcome's issues."""
    if isinstance(body, dict) and isinstance(body.get("errors"), dict):
        return set(body["errors"])
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        return {str(issue.get("diagnostics", "")) for issue in body.get("issue", [])}
    return set()
