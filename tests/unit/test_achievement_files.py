"""Definition files: YAML in, ``AchievementSpec`` out, and back again without loss.

Providers keep definitions in version control and read the error messages in a terminal, so
every refusal is asserted to name the file and the field (or line) at fault.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from credstack.domain.achievements import (
    AchievementSpec,
    Alignment,
    MicroCredentialElements,
    ResultDescription,
)
from credstack.domain.badge_images import default_badge_png, default_badge_svg
from credstack.domain.errors import InvalidInputError
from credstack.services.achievement_files import dump_definition, parse_definition

SOURCE = "defs/data-101.yaml"

MINIMAL = """\
issuer: uni-example
id: data-101
name: Introduction to Data Science
description: Tidy data, plots and a first model.
criteria: Pass the final project.
"""

FULL = AchievementSpec(
    id="data-101",
    name="Introduction to Data Science: Ünïcödé & <markup>",
    description="Tidy data, plots and a first model.\nSecond line: with a colon.",
    criteria="Pass the final project (60 % or more).",
    criteria_url="https://uni.example/data-101/criteria",
    image="https://uni.example/data-101/badge.png",
    achievement_type="Course",
    alignments=[
        Alignment(
            target_name="Data analysis",
            target_url="http://data.europa.eu/esco/skill/abc",
            target_framework="ESCO",
            target_code="S1.2.3",
            target_description="Analyse data to find patterns.",
            target_type="ext:ESCOSkill",
        ),
        Alignment(target_name="Statistics", target_url="https://onetonline.example/x"),
    ],
    # YAML would read these as booleans, null or numbers if they were not quoted.
    tags=["yes", "null", "0123", "on", "- dash", "# hash"],
    language="de-AT",
    credits_available=2.5,
    field_of_study="Computer science",
    human_code="DS-101",
    valid_for_days=730,
    result_descriptions=[
        ResultDescription(
            id="grade",
            name="Final grade",
            result_type="LetterGrade",
            allowed_values=["A", "B", "C"],
            required_value="C",
        ),
        ResultDescription(
            id="score",
            name="Project score",
            result_type="ext:ProjectScore",
            value_min="0",
            value_max="100",
        ),
    ],
    micro_credential=MicroCredentialElements(
        learning_outcomes=["Clean a data set", "Fit and explain a linear model"],
        workload_hours=37.5,
        ects=1.5,
        eqf_level=6,
        assessment_type="Graded project with oral defence",
        participation_form="blended",
        quality_assurance="Accredited by the Austrian AQ agency",
        prerequisites="Secondary school mathematics",
        supervision="supervised-onsite-with-identity-verification",
        stackability="stackable",
        further_information="https://uni.example/data-101",
    ),
)


def with_field(text: str, line: str) -> str:
    return text + line + "\n"


def message(text: str, **kwargs: object) -> str:
    with pytest.raises(InvalidInputError) as caught:
        parse_definition(text, source=SOURCE, **kwargs)  # type: ignore[arg-type]
    result = str(caught.value)
    assert result.startswith(f"{SOURCE}:"), result
    assert "\n" not in result
    return result


# --- round trip ------------------------------------------------------------------------------


def test_every_field_of_a_full_definition_survives_dump_and_parse() -> None:
    text = dump_definition(FULL, "uni-example")
    issuer, spec = parse_definition(text, source=SOURCE)
    assert issuer == "uni-example"
    assert spec == FULL
    # Equality of the models must not hide a field that was dropped on both sides.
    assert spec.model_dump() == FULL.model_dump()


def test_full_fixture_sets_every_field() -> None:
    # Guards the round trip test: a field added later must be added to FULL too.
    def unset(model: object, prefix: str = "") -> list[str]:
        missing = []
        for name in type(model).model_fields:  # type: ignore[attr-defined]
            value = getattr(model, name)
            if value is None or value == []:
                missing.append(prefix + name)
        return missing

    assert unset(FULL) == []
    assert unset(FULL.micro_credential, "micro_credential.") == []
    assert unset(FULL.alignments[0], "alignments.") == []
    assert unset(FULL.result_descriptions[0], "result_descriptions.") == [
        "result_descriptions.value_min",
        "result_descriptions.value_max",
    ]
    assert unset(FULL.result_descriptions[1], "result_descriptions.") == [
        "result_descriptions.allowed_values",
        "result_descriptions.required_value",
    ]


def test_minimal_definition_round_trips_and_dumps_no_defaults() -> None:
    issuer, spec = parse_definition(MINIMAL, source=SOURCE)
    assert issuer == "uni-example"
    assert spec.achievement_type == "MicroCredential"
    dumped = dump_definition(spec, "uni-example")
    assert yaml.safe_load(dumped) == yaml.safe_load(MINIMAL)
    assert parse_definition(dumped) == ("uni-example", spec)


def test_embedded_image_round_trips() -> None:
    png = default_badge_png("Data 101", seed="data-101")
    data_uri = f"data:image/png;base64,{base64.b64encode(png).decode()}"
    spec = FULL.model_copy(update={"image": data_uri})
    assert parse_definition(dump_definition(spec, "uni-example"))[1].image == data_uri


def test_dump_starts_with_the_issuer_and_the_id() -> None:
    data = yaml.safe_load(dump_definition(FULL, "uni-example"))
    assert list(data)[:2] == ["issuer", "id"]


def test_definition_without_issuer_gives_none() -> None:
    text = MINIMAL.replace("issuer: uni-example\n", "")
    assert parse_definition(text)[0] is None


# --- malformed files -------------------------------------------------------------------------


def test_malformed_yaml_names_the_line() -> None:
    text = MINIMAL + "tags: [one, two\nlanguage: en\n"
    result = message(text)
    assert "line 7" in result


def test_bad_indentation_names_the_line() -> None:
    text = "id: data-101\n  name: indented\n"
    assert "line 2" in message(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param("- id: data-101\n- id: data-102\n", "list", id="list"),
        pytest.param("just a sentence\n", "str", id="scalar"),
        pytest.param("", "NoneType", id="empty"),
        pytest.param("42\n", "int", id="number"),
    ],
)
def test_file_that_is_not_a_mapping_is_refused(text: str, kind: str) -> None:
    result = message(text)
    assert "mapping" in result
    assert kind in result


def test_unknown_field_is_named() -> None:
    result = message(with_field(MINIMAL, "colour: red"))
    assert "colour" in result


def test_unknown_nested_field_is_named_with_its_path() -> None:
    text = with_field(
        MINIMAL,
        "alignments: [{target_name: X, target_url: 'https://x.example', weight: 3}]",
    )
    assert "alignments.0.weight" in message(text)


def test_issuer_that_is_not_an_id_is_refused() -> None:
    assert "issuer" in message(MINIMAL.replace("issuer: uni-example", "issuer: [a, b]"))


# --- rules of the definition -----------------------------------------------------------------

MICRO = (
    "micro_credential:\n"
    "  learning_outcomes: [Clean a data set]\n"
    "  assessment_type: Project\n"
    "  participation_form: online\n"
    "  quality_assurance: Internal review\n"
)


def test_eqf_level_above_8_is_refused() -> None:
    text = MINIMAL + MICRO + "  workload_hours: 25\n  eqf_level: 9\n"
    assert "micro_credential.eqf_level" in message(text)


@pytest.mark.parametrize("level", [1, 8])
def test_eqf_levels_1_to_8_are_accepted(level: int) -> None:
    text = MINIMAL + MICRO + f"  workload_hours: 25\n  eqf_level: {level}\n"
    spec = parse_definition(text)[1]
    assert spec.micro_credential is not None
    assert spec.micro_credential.eqf_level == level


def test_micro_credential_without_workload_is_refused() -> None:
    result = message(MINIMAL + MICRO)
    assert "micro_credential" in result
    assert "workload_hours" in result
    assert "ects" in result


@pytest.mark.parametrize("workload", ["workload_hours: 25", "ects: 1"])
def test_workload_in_hours_or_ects_is_enough(workload: str) -> None:
    spec = parse_definition(MINIMAL + MICRO + f"  {workload}\n")[1]
    assert spec.micro_credential is not None


def test_micro_credential_missing_a_mandatory_element_is_refused() -> None:
    text = MINIMAL + MICRO.replace("  quality_assurance: Internal review\n", "")
    assert "micro_credential.quality_assurance" in message(text + "  ects: 1\n")


@pytest.mark.parametrize("tag", ["english", "e", "en_GB", "de-", "12"])
def test_bad_language_tag_is_refused(tag: str) -> None:
    result = message(with_field(MINIMAL, f"language: '{tag}'"))
    assert "language" in result
    assert tag in result


def test_duplicate_result_ids_are_refused() -> None:
    text = with_field(
        MINIMAL,
        "result_descriptions:\n"
        "  - {id: grade, name: Grade, result_type: LetterGrade}\n"
        "  - {id: grade, name: Other grade, result_type: Percent}",
    )
    assert "result_descriptions ids must be unique" in message(text)


def test_unknown_result_type_is_refused_listing_the_known_ones() -> None:
    text = with_field(
        MINIMAL, "result_descriptions: [{id: grade, name: Grade, result_type: Grade}]"
    )
    result = message(text)
    assert "result_descriptions.0.result_type" in result
    assert "LetterGrade" in result
    assert "ext:" in result


def test_bad_id_is_refused() -> None:
    result = message(MINIMAL.replace("id: data-101", "id: Data_101"))
    assert "Data_101" in result


def test_several_problems_are_counted() -> None:
    text = MINIMAL.replace("name: Introduction to Data Science\n", "") + "colour: red\n"
    assert "(and 1 more)" in message(text)


# --- images ----------------------------------------------------------------------------------


def reader(folder: Path):  # type: ignore[no-untyped-def]
    return lambda name: (folder / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "media"),
    [("badge.png", "image/png"), ("badge.svg", "image/svg+xml")],
)
def test_local_image_is_embedded_as_a_data_uri(tmp_path: Path, name: str, media: str) -> None:
    content = (
        default_badge_png("Data 101", seed="x")
        if name.endswith(".png")
        else default_badge_svg("Data 101", issuer="Uni", seed="x")
    )
    (tmp_path / name).write_bytes(content)
    spec = parse_definition(with_field(MINIMAL, f"image: {name}"), read_image=reader(tmp_path))[1]
    prefix = f"data:{media};base64,"
    assert spec.image is not None
    assert spec.image.startswith(prefix)
    assert base64.b64decode(spec.image.removeprefix(prefix)) == content


def test_media_type_comes_from_the_content_not_the_name(tmp_path: Path) -> None:
    (tmp_path / "badge.svg").write_bytes(default_badge_png("Data 101", seed="x"))
    spec = parse_definition(with_field(MINIMAL, "image: badge.svg"), read_image=reader(tmp_path))[1]
    assert spec.image is not None
    assert spec.image.startswith("data:image/png;base64,")


def test_image_of_256_kib_is_accepted_and_one_byte_more_refused(tmp_path: Path) -> None:
    png = default_badge_png("Data 101", seed="x")
    (tmp_path / "max.png").write_bytes(png + bytes(256 * 1024 - len(png)))
    (tmp_path / "big.png").write_bytes(png + bytes(256 * 1024 - len(png) + 1))
    read = reader(tmp_path)
    assert parse_definition(with_field(MINIMAL, "image: max.png"), read_image=read)[1].image
    result = message(with_field(MINIMAL, "image: big.png"), read_image=read)
    assert "big.png" in result
    assert "256 KiB" in result


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", id="jpeg"),
        pytest.param(b"just some notes\n", id="text"),
        pytest.param(b"", id="empty"),
    ],
)
def test_file_that_is_not_png_or_svg_is_refused(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "badge.jpg").write_bytes(content)
    result = message(with_field(MINIMAL, "image: badge.jpg"), read_image=reader(tmp_path))
    assert "badge.jpg" in result
    assert "neither PNG nor SVG" in result


def test_missing_image_file_is_refused_with_its_name(tmp_path: Path) -> None:
    result = message(with_field(MINIMAL, "image: nowhere.png"), read_image=reader(tmp_path))
    assert "nowhere.png" in result
    assert "No such file" in result


def test_local_image_without_a_reader_is_refused() -> None:
    assert "https URL" in message(with_field(MINIMAL, "image: badge.png"))


def test_https_image_url_is_kept_and_not_read() -> None:
    def refuse(name: str) -> bytes:
        raise AssertionError(f"read {name}")

    url = "https://uni.example/img/badge.png"
    spec = parse_definition(with_field(MINIMAL, f"image: {url}"), read_image=refuse)[1]
    assert spec.image == url


@pytest.mark.parametrize(
    "value",
    ["data:text/html;base64,PGgxPmhpPC9oMT4=", "ftp://uni.example/badge.png"],
)
def test_image_of_another_kind_is_refused(value: str) -> None:
    assert "image" in message(with_field(MINIMAL, f"image: '{value}'"))
