"""The lean SPARQL path's own pieces, against the references they stand in for."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backendkg.errors import BadRequest
from backendkg.web.protocol import MAX_FIELDS, _parameters

# What query strings are made of, weighted toward what trips decoders: escapes (valid, cut short, not hex),
# backslashes, '+', separators and raw bytes that are or are not UTF-8.
_PIECES = st.sampled_from(
    [
        "%",
        "%2",
        "%20",
        "%41",
        "%C3",
        "%A9",
        "%C3%A9",
        "%zz",
        "%%",
        "\\",
        "\\x41",
        "+",
        "&",
        "=",
        "a",
        "Z",
        "0",
        "é",
        "\u20ac",
        "\x80",
        "\xff",
        ";",
        "#",
        " ",
    ]
)


def _reference(raw: str) -> dict[str, list[str]] | None:
    try:
        text = raw.encode("latin-1").decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
    except (UnicodeError, ValueError):
        return None
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def _ours(raw: str) -> dict[str, list[str]] | None:
    try:
        return _parameters(raw)
    except BadRequest:
        return None


@settings(max_examples=3000, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_parameters_are_read_as_parse_qsl_reads_them(raw):
    wsgi = raw.encode("utf-8", "surrogatepass").decode("latin-1")  # as a WSGI server hands them over
    assert _ours(wsgi) == _reference(wsgi)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_text_quoted_comes_back_as_it_was(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: not text a client can send
        return
    raw = "query=" + quote(text, safe="") + "&format=json"
    assert _parameters(raw) == {"query": [text], "format": ["json"]}


def test_too_many_parameters_and_bad_utf8_are_400():
    with pytest.raises(BadRequest, match="more than"):
        _parameters("&".join(["a=1"] * (MAX_FIELDS + 1)))
    assert len(_parameters("&".join(["a=1"] * MAX_FIELDS))["a"]) == MAX_FIELDS
    with pytest.raises(BadRequest, match="not valid UTF-8"):
        _parameters("query=%C3%28")


def test_a_fault_of_the_server_is_a_500_in_the_json_shape_and_the_next_query_is_answered(app, monkeypatch, caplog):
    import json

    from backendkg.web import state

    engine = state(app).engine
    client = app.test_client()
    real = engine.run

    def broken(*args, **kwargs):
        raise RuntimeError("a fault")

    monkeypatch.setattr(engine, "run", broken)
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # fault"})
    assert response.status_code == 500
    assert json.loads(response.data)["name"] == "Internal Server Error"
    assert response.headers["Access-Control-Allow-Origin"] == "*" and response.headers["X-Request-Id"]
    assert "unhandled error" in caplog.text
    monkeypatch.setattr(engine, "run", real)
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # fine"}).status_code == 200
