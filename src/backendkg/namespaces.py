"""The IRIs backendkg mints and the prefixes it writes them with."""

from __future__ import annotations

BASE = "https://w3id.org/backendkg/"
ONTOLOGY = BASE + "ontology"
BKG = ONTOLOGY + "#"
SHAPES = BASE + "shapes"
BKGSH = SHAPES + "#"
GRAPH = BASE + "graph/"

#: Kinds of content IRIs, ``https://w3id.org/backendkg/<kind>/<slug>``.
KINDS = (
    "role",
    "skill",
    "trait",
    "technology",
    "responsibility",
    "industry",
    "capability",
    "benefit",
    "source",
    "statement",
    "passage",
    "scheme",
)
#: First path segments of content IRIs answered as Linked Data: the kinds of concepts, the linksets of
#: external mappings and the vocabularies they map to.
LD_KINDS = (*KINDS, "linkset", "vocabulary")

#: Prefixes used when backendkg writes Turtle, TriG or RDF/XML and when it prints prefixed names.
PREFIXES: dict[str, str] = {
    "bkg": BKG,
    "bkgsh": BKGSH,
    "role": BASE + "role/",
    "skill": BASE + "skill/",
    "trait": BASE + "trait/",
    "tech": BASE + "technology/",
    "resp": BASE + "responsibility/",
    "industry": BASE + "industry/",
    "capability": BASE + "capability/",
    "benefit": BASE + "benefit/",
    "source": BASE + "source/",
    "stmt": BASE + "statement/",
    "passage": BASE + "passage/",
    "scheme": BASE + "scheme/",
    "graph": GRAPH,
    "dcterms": "http://purl.org/dc/terms/",
    "oa": "http://www.w3.org/ns/oa#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vann": "http://purl.org/vocab/vann/",
    "void": "http://rdfs.org/ns/void#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "esco": "http://data.europa.eu/esco/",
    "isco": "http://data.europa.eu/esco/isco/",
    "onet": "https://www.onetonline.org/link/summary/",
    "wd": "http://www.wikidata.org/entity/",
}


def sparql_prologue() -> str:
    """The PREFIX declarations for every prefix in :data:`PREFIXES`."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def curie(iri: str) -> str:
    """Write ``iri`` as a prefixed name where a prefix fits, else as ``<iri>``."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            local = iri[len(ns) :]
            if local and all(c.isalnum() or c in "-_." for c in local) and not local.endswith("."):
                best = prefix
    if best:
        return f"{best}:{iri[len(PREFIXES[best]) :]}"
    return f"<{iri}>"
