"""What the served Questionnaire and the reading of responses share: names, URLs, codes."""

from __future__ import annotations

from rules import Protocol, Question
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO

FHIR_JSON = "application/fhir+json"
# fhir.resources 8 validates R4B (its default, fhir.resources.*, is R5; there is no R4 module).
# Questionnaire and QuestionnaireResponse are the same in R4 (4.0.1) and R4B (4.3.0), and the
# tests also validate both against HL7's published R4 JSON schema.
FHIR_VERSION = "4.3.0"
FHIR_VERSION_SYSTEM = "http://hl7.org/fhir/FHIR-version"
SDC_PROFILE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire"
SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
CORE = "http://hl7.org/fhir/StructureDefinition/"
MIN_VALUE = CORE + "minValue"
MAX_VALUE = CORE + "maxValue"
ENTRY_FORMAT = CORE + "entryFormat"
ITEM_CONTROL = CORE + "questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
UNIT_OPTION = CORE + "questionnaire-unitOption"
ORDINAL_VALUE = CORE + "ordinalValue"
MIN_QUANTITY = SDC + "sdc-questionnaire-minQuantity"
MAX_QUANTITY = SDC + "sdc-questionnaire-maxQuantity"
UCUM = "http://unitsofmeasure.org"
# UCUM codes of the two temperature units, and the unit each stands for in the answers.
UNITS = {"Cel": "C", "[degF]": "F"}
UNIT_LABELS = {"Cel": "°C", "[degF]": "°F"}
# How a Quantity's free-text unit may spell each UCUM code; any other text is not checked.
UNIT_SPELLINGS = {
    "Cel": {"cel", "c", "°c", "degc", "℃", "celsius"},
    "[degF]": {"[degf]", "f", "°f", "degf", "℉", "fahrenheit"},
}
# A separate yes/no item says "not measured", because a quantity cannot carry that answer.
NOT_MEASURED_SUFFIX = "_not_measured"
# linkId suffixes of the display items that carry a question's hint or a group's.
HELP_SUFFIX = ".help"
HINT_SUFFIX = ".hint"
# A response still being filled in is read as a partial answer set, like the JSON API's; a
# completed (or amended) one must answer every question that is enabled.
PARTIAL = ("in-progress",)
COMPLETE = ("completed", "amended")
STATUSES = PARTIAL + COMPLETE
# The value[x] element a response must use for each item type.
VALUE_ELEMENT = {
    YES_NO: "valueBoolean",
    INTEGER: "valueInteger",
    CHOICE: "valueCoding",
    TEMPERATURE: "valueQuantity",
}


class ResponseError(ValueError):
    """A QuestionnaireResponse that cannot be read as answers; errors are keyed by item."""

    def __init__(self, errors: dict[str, str], codes: dict[str, str] | None = None) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        # The FHIR issue type of each error (IssueType codes), "invalid" where none is given.
        self.codes = codes or {}


def canonical(protocol: Protocol) -> str:
    """The Questionnaire's canonical URL (a URN: nothing is fetched from it)."""
    return f"urn:recovery-check:questionnaire:{protocol.id}"


def choice_system(protocol: Protocol, question: Question) -> str:
    """The code system of one question's choices, as the served Questionnaire declares it."""
    return f"{canonical(protocol)}:{question.id}"
