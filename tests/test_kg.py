"""Loading the graph, its header, its stats and its exports."""

from __future__ import annotations

import subprocess
import sys

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import backendkg
from backendkg.cli import cli
from backendkg.graph import export
from backendkg.graph import store as kg_module
from backendkg.namespaces import GRAPH, ONTOLOGY


def test_every_shipped_file_is_its_own_named_graph(kg):
    files = kg_module.shipped_files()
    assert files[0].name == "backendkg.ttl"
    assert [f.graph for f in kg.files] == [kg_module.graph_iri(p) for p in files]
    assert kg.files[0].graph == GRAPH + "backendkg"
    for f in kg.files:
        assert len(list(kg.store.quads_for_pattern(None, None, None, ox.NamedNode(f.graph)))) > 0, f.path


def test_default_graph_is_the_union(kg):
    rows = kg.select(f"SELECT ?v WHERE {{ <{ONTOLOGY}> owl:versionInfo ?v }}")
    assert [r["v"].value for r in rows] == [backendkg.__version__]


def test_version_info_and_version_iri_follow_the_package_version(kg):
    rows = kg.select(f"SELECT ?info ?iri WHERE {{ <{ONTOLOGY}> owl:versionInfo ?info ; owl:versionIRI ?iri }}")
    assert len(rows) == 1
    assert rows[0]["info"].value == backendkg.__version__
    assert rows[0]["iri"].value == f"{ONTOLOGY}/{backendkg.__version__}"


def test_header_has_title_description_license_creator_and_dates(kg):
    for prop in (
        "dcterms:title",
        "dcterms:description",
        "dcterms:license",
        "dcterms:creator",
        "dcterms:created",
        "dcterms:modified",
    ):
        assert kg.ask(f"ASK {{ <{ONTOLOGY}> {prop} ?x }}"), prop
    assert kg.ask(f"ASK {{ <{ONTOLOGY}> dcterms:license <https://creativecommons.org/licenses/by/4.0/> }}")


def test_load_is_fast(kg):
    assert kg.load_seconds < 1.0


def test_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "open\n', encoding="utf-8")
    with pytest.raises(kg_module.LoadError) as info:
        kg_module.load([bad])
    assert info.value.path == bad
    assert info.value.line == 3
    assert "bad.ttl:3" in str(info.value)


def test_unknown_extension_is_refused(tmp_path):
    odd = tmp_path / "data.csv"
    odd.write_text("a,b\n")
    with pytest.raises(kg_module.LoadError, match="unknown RDF file extension"):
        kg_module.load([odd])


def test_quad_files_keep_their_graphs_and_default_triples_go_to_the_file_graph(tmp_path):
    trig = tmp_path / "d.trig"
    trig.write_text(
        "@prefix ex: <http://example.org/> .\nex:a ex:p ex:b .\nex:g { ex:c ex:p ex:d . }\n", encoding="utf-8"
    )
    g = kg_module.load([trig])
    graphs = {str(q.graph_name.value) for q in g.store}
    assert graphs == {"http://example.org/g", trig.resolve().as_uri()}


@pytest.mark.parametrize("fmt", sorted(export.EXPORT_FORMATS))
def test_export_is_deterministic_and_parses_back(kg, fmt):
    first = export.export(kg, fmt)
    assert first == export.export(kg_module.load(), fmt)
    rdf_format = export.EXPORT_FORMATS[fmt]
    back = ox.Store()
    back.load(first, rdf_format)
    expected_triples = {(q.subject, q.predicate, q.object) for q in kg.store}
    assert {(q.subject, q.predicate, q.object) for q in back} == expected_triples
    if fmt in ("nquads", "trig"):
        assert {str(q.graph_name) for q in back} == {str(q.graph_name) for q in kg.store}
    else:
        assert {str(q.graph_name) for q in back} == {str(ox.DefaultGraph())}


def test_export_is_the_same_bytes_in_a_new_process(kg):
    out = subprocess.run(
        [sys.executable, "-m", "backendkg", "export", "--format", "turtle"], capture_output=True, check=True
    ).stdout
    assert out == export.export(kg, "turtle")
    assert out.startswith(b"@prefix")


def test_cli_export_to_file_and_stats(tmp_path):
    runner = CliRunner()
    target = tmp_path / "kg.nt"
    result = runner.invoke(cli, ["export", "--format", "ntriples", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == export.export(kg_module.load(), "ntriples")
    result = runner.invoke(cli, ["stats"])
    assert result.exit_code == 0
    assert "triples per graph" in result.output and "bkg:Role" in result.output


def test_cli_bad_data_file_exits_2(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle\n")
    result = CliRunner().invoke(cli, ["stats", "--data", str(bad)])
    assert result.exit_code == 2
    assert "bad.ttl:1" in result.output


def test_every_command_has_help():
    runner = CliRunner()
    for name in cli.commands:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, name


def test_health(client, kg):
    body = client.get("/health").get_json()
    assert body == {"status": "ok", "version": backendkg.__version__, "triples": len(kg)}


def test_stats_show_the_minimum_content(kg):
    from backendkg.graph.stats import compute

    classes = {iri.rsplit("#", 1)[-1]: n for iri, n in compute(kg).classes if iri.startswith(ONTOLOGY)}
    assert classes["Role"] >= 10
    assert classes["Skill"] + classes["Technology"] >= 60
    assert classes["Responsibility"] >= 25
    assert classes["Industry"] == 5
    assert classes["SourceDocument"] == 4
    graphs = dict(compute(kg).graphs)
    assert set(graphs) == {f.graph for f in kg.files}


def test_a_quad_file_with_a_syntax_error_loads_nothing(tmp_path):
    trig = tmp_path / "broken.trig"
    trig.write_text(
        "@prefix ex: <http://example.org/> .\nex:g { ex:a ex:p ex:b . }\nex:h { ex:c ex:p \n", encoding="utf-8"
    )
    store = ox.Store()
    with pytest.raises(kg_module.LoadError) as info:
        kg_module.load_into(store, [trig])
    assert info.value.line is not None and info.value.line >= 3
    assert len(store) == 0


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(kg_module.LoadError, match="no such file"):
        kg_module.load([tmp_path / "absent.ttl"])
