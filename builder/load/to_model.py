"""Schema validation: parsed YAML into models, pydantic errors into located Swedish diagnostics."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from builder.diagnostics import Diagnostic
from builder.load.header_labels import key_for_label
from builder.load.safe_yaml import LoadedYaml, YamlPath
from builder.model import ROUTINE_CLASSES, Document

M = TypeVar("M", bound=BaseModel)

TYPE_WORDS_SV = {dict: "ett block med nycklar", list: "en lista", str: "en text"}


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/list/dict/Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, dict):
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            found.extend(_unwrap(arg))
        return found
    return [annotation]


def _model_at(model: type[BaseModel], loc: YamlPath) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (list indices are skipped)."""
    current: type[BaseModel] = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = next(
            (f for name, f in current.model_fields.items() if (f.alias or name) == part), None
        )
        if field is None:
            return None
        nested = [t for t in _unwrap(field.annotation) if isinstance(t, type)
                  and issubclass(t, BaseModel)]
        if not nested:
            return None
        current = nested[0]
    return current


def allowed_keys(model: type[BaseModel]) -> list[str]:
    """The YAML keys a model accepts (aliases where set)."""
    return [f.alias or name for name, f in model.model_fields.items()]


def _describe(value: Any) -> str:
    for kind, word in TYPE_WORDS_SV.items():
        if isinstance(value, kind):
            if kind is str:
                return f"'{value}'"
            return word
    return "inget värde" if value is None else repr(value)


def _message(error: Any, model: type[BaseModel]) -> tuple[str, str]:
    """(rule, Swedish message) for one pydantic error; an error in a list item names the item."""
    rule, message = _message_for_key(error, model)
    loc = tuple(error["loc"])
    if loc and isinstance(loc[-1], int) and error["type"] not in KEY_ERRORS:
        key = next((str(p) for p in reversed(loc) if isinstance(p, str)), None)
        if key and f"'{key}'" in message:
            message = message.replace(f"'{key}'", f"'{key}' (punkt {loc[-1] + 1})", 1)
        else:
            message = f"punkt {loc[-1] + 1} i '{key}': {message}"
    return rule, message


# One flat case per pydantic error kind: long, but not tangled.
def _message_for_key(error: Any, model: type[BaseModel]) -> tuple[str, str]:  # noqa: C901
    """(rule, Swedish message) for one pydantic error."""
    loc: YamlPath = tuple(error["loc"])
    key = next((str(p) for p in reversed(loc) if isinstance(p, str)), "värdet")
    kind: str = error["type"]
    got = _describe(error.get("input"))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        parent = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), None)
        where = f" i '{parent}'" if parent else ""
        return "R101", f"obligatoriska nyckeln '{loc[-1]}' saknas{where}"
    if kind == "extra_forbidden":
        parent_model = _model_at(model, loc[:-1])
        candidates = allowed_keys(parent_model) if parent_model else []
        close = _by_meaning(str(loc[-1]), candidates) or difflib.get_close_matches(
            str(loc[-1]), candidates, n=1, cutoff=0.6)
        hint = f"; menade du '{close[0]}'?" if close else (
            f"; tillåtna nycklar här: {', '.join(candidates)}" if candidates else ""
        )
        return "R102", f"okänd nyckel '{loc[-1]}'{hint}"
    if kind.startswith(("date", "datetime")) and not isinstance(error.get("input"), str):
        return "R101", f"'{key}' ska vara ett datum (ÅÅÅÅ-MM-DD) men är {got}"
    if kind.startswith(("date", "datetime")):
        return "R104", f"'{key}' har ogiltigt datum {got}; skriv ÅÅÅÅ-MM-DD med ett datum som finns"
    if kind == "literal_error":
        return "R101", f"'{key}' har värdet {got}; tillåtna värden: {_choices(ctx)}"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == r"\S":
        return "R101", f"'{key}' får inte vara tom eller bara blanksteg"
    if kind == "value_error":
        return "R101", str(ctx.get("error", f"'{key}' har ett ogiltigt värde"))
    if kind == "string_pattern_mismatch":
        if key == "version":
            return "R101", f"'version' ska vara siffror med punkt, t.ex. \"1.0\", inte {got}"
        return "R101", (
            f"'{key}' får bara innehålla små bokstäver a–z, siffror och bindestreck, fick {got}"
        )
    if kind == "string_type":
        return "R101", f"'{key}' ska vara en text men är {got}"
    if kind == "not_stated":
        return "R101", (f"'{key}' ska vara en text eller 'ej_angivet' (om källan inte anger "
                        f"värdet), men är {got}")
    if kind == "list_type":
        return "R101", f"'{key}' ska vara en lista (rader som börjar med '- ') men är {got}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "R101", f"'{key}' ska vara ett block med nycklar men är {got}"
    if kind in ("too_short", "string_too_short"):
        return "R101", f"'{key}' får inte vara tom"
    if kind.startswith("int"):
        return "R101", f"'{key}' ska vara ett heltal, fick {got}"
    if kind in BOUNDS_SV:
        limit = next(iter(ctx.values()), "")
        return "R101", f"'{key}' ska vara {BOUNDS_SV[kind]} {limit}, fick {got}"
    if kind.startswith("bool"):
        return "R101", f"'{key}' ska vara true eller false, fick {got}"
    # Never pydantic's English text: say which key and what came.
    return "R101", f"'{key}' har ett ogiltigt värde: {got}"


# Header-table words from other regions' routines, by meaning (R102 "menade du …?"): a key
# that means the same is suggested even when it is not spelt alike (dokumentnummer is not
# dokumenttyp).
SYNONYMS: dict[str, str] = {
    "handläggare": "upprättat_av", "författare": "upprättat_av", "upprättad_av": "upprättat_av",
    "framtagen_av": "upprättat_av", "skriven_av": "upprättat_av", "utarbetad_av": "upprättat_av",
    "dokumentnummer": "diarienummer", "diarienr": "diarienummer", "dnr": "diarienummer",
    "dokumentnr": "diarienummer", "dokument_id": "diarienummer", "ärendenummer": "diarienummer",
    "dokumentägare": "processägare", "ägare_process": "processägare",
    "fastställd_av": "godkänt_av", "beslutad_av": "godkänt_av", "godkänd_av": "godkänt_av",
    "beslutsfattare": "fastställare", "beslutsorgan": "beslutande_organ",
    "dokumentansvarig": "kontaktperson", "kontakt_person": "kontaktperson",
    "giltigt_till": "giltig_till", "giltig_tom": "giltig_till", "giltigt_tom": "giltig_till",
    "giltigt_från": "giltig_från", "giltig_fr_o_m": "giltig_från", "gäller_från": "giltig_från",
    "revideras_av": "ansvarig_för_revidering", "revisionsansvarig": "ansvarig_för_revidering",
    "omfattning": "gäller_för", "gäller": "gäller_för", "enheter": "gäller_för",
    "målgrupper": "målgrupp", "granskad_av": "granskare", "granskat_av": "granskare",
    "kontakt": "kontakter", "telefonnummer": "telefon", "tel": "telefon", "mobil": "telefon",
    "e-post": "epost", "mejl": "epost", "mail": "epost", "email": "epost",
    "telefontider": "tider", "öppettider": "tider", "geografiskt_område": "område",
    "inledning": "ingress", "brödtext": "text", "rubriker": "avsnitt", "innehåll": "avsnitt",
    "revisionshistorik": "ändringar", "versionshistorik": "ändringar", "historik": "ändringar",
    "förkortningar": "begrepp", "definitioner": "begrepp", "ordlista": "begrepp",
    "källversion": "källa", "ursprung": "källa", "länk": "url", "adress": "url",
    "uppföljningsansvarig": "uppföljning", "ansvarig_uppföljning": "uppföljning",
    "vem": "ansvarig", "tidpunkt": "när", "hur_ofta": "när",
    "inklusionskriterier": "kriterier", "urvalskriterier": "kriterier",
    "minst_antal": "minst", "villkor_antal": "minst",
}


def _by_meaning(key: str, candidates: list[str]) -> list[str]:
    # The header vocabulary the importer uses first ("gäller från" → giltig_från,
    # "fastställt" → datum_för_godkännande), then the other words authors use.
    wanted = key_for_label(key) or SYNONYMS.get(key.casefold().replace(" ", "_"))
    return [wanted] if wanted in candidates else []


BOUNDS_SV = {"greater_than_equal": "minst", "greater_than": "större än",
             "less_than_equal": "högst", "less_than": "mindre än"}


def _choices(ctx: dict[str, Any]) -> str:
    """pydantic's "'a', 'b' or 'c'" in Swedish, from the allowed values themselves."""
    expected = str(ctx.get("expected", ""))
    head, sep, last = expected.rpartition(" or ")
    return f"{head} eller {last}" if sep else expected


# Errors about a value (wrong type, bad date) point at the value; missing and unknown keys at
# the key or the block that lacks it.
KEY_ERRORS = frozenset({"missing", "extra_forbidden"})


# pydantic names the union member an error came from inside ``loc``; these are not YAML keys.
UNION_MEMBERS = frozenset({"str", "constrained-str", "NotStated", "Bullet", "date", "bool"})
TYPE_MISMATCH = frozenset({"model_type", "dict_type", "model_attributes_type", "string_type",
                           "list_type", "literal_error"})


def _member_at(loc: tuple[Any, ...]) -> int | None:
    for index, part in enumerate(loc):
        if isinstance(part, str) and (part in UNION_MEMBERS or part.startswith(
                ("function-", "list[", "literal["))):
            return index
    return None


def _plain_errors(errors: list[Any]) -> list[Any]:
    """Errors as the author thinks of them: a value that may be text or a block (text or
    ``ej_angivet``, a bullet or a nested bullet) gets one error about what it is, not one per
    union member, and its ``loc`` holds only YAML keys and indices."""
    plain: list[Any] = []
    groups: dict[tuple[Any, ...], list[tuple[str, Any]]] = {}
    for error in errors:
        loc = tuple(error["loc"])
        cut = _member_at(loc)
        if cut is None:
            plain.append(error)
            continue
        rest = tuple(p for p in loc[cut + 1:] if _member_at((p,)) is None)
        groups.setdefault(loc[:cut], []).append((loc[cut], {**error, "loc": loc[:cut] + rest}))
    for prefix, members in groups.items():
        # A block that fits a model's shape (a mapping): its own errors are the useful ones.
        inside = [e for member, e in members if not member.endswith("str")
                  and e["type"] not in TYPE_MISMATCH]
        if inside:
            plain.extend(inside)
        elif any(member == "NotStated" for member, _ in members):
            plain.append({**members[0][1], "loc": prefix, "type": "not_stated"})
        else:
            text_errors = [e for member, e in members if member.endswith("str")]
            plain.append(text_errors[0] if text_errors else members[0][1])
    return plain


def validate_model(
    source: LoadedYaml, model: type[M]
) -> tuple[M | None, list[Diagnostic]]:
    """Validate plain data against ``model``; every error becomes a located diagnostic."""
    try:
        return model.model_validate(source.data), []
    except ValidationError as exc:
        diagnostics = []
        for error in _plain_errors(exc.errors()):
            rule, message = _message(error, model)
            loc = tuple(error["loc"])
            pos = source.position(loc) if error["type"] in KEY_ERRORS else (
                source.value_position(loc))
            diagnostics.append(
                Diagnostic(source.display, pos.line, pos.column, rule, "error", message)
            )
        return None, diagnostics


def validate_routine(source: LoadedYaml) -> tuple[Document | None, list[Diagnostic]]:
    """Pick the document class from ``typ`` and validate against it."""
    data = source.data
    if not isinstance(data, dict):
        pos = source.position(())
        return None, [Diagnostic(source.display, pos.line, pos.column, "R101", "error",
                                 f"en rutin ska vara ett block med nycklar, inte {_describe(data)}")]
    kind = data.get("typ")
    cls = ROUTINE_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        pos = source.value_position(("typ",))
        got = "saknas" if kind is None else f"är {_describe(kind)}"
        return None, [Diagnostic(source.display, pos.line, pos.column, "R101", "error",
                                 f"'typ' ska vara 'samverkansrutin' eller 'arbetsrutin' men {got}")]
    return validate_model(source, cls)
