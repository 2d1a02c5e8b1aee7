// The "From text to concepts" panel of the front page: sends the text to POST /api/extract, marks the
// concepts in it, lists them, and ranks the roles they fit with what each is missing. Everything the
// answer holds is put in the page as text nodes and attributes, never as markup.
(function () {
  "use strict";
  const form = document.getElementById("extract-form");
  const input = document.getElementById("extract-text");
  const run = document.getElementById("extract-run");
  const sample = document.getElementById("extract-sample");
  const statusLine = document.getElementById("extract-status");
  const results = document.getElementById("extract-results");
  const marked = document.getElementById("extract-marked");
  const conceptList = document.getElementById("extract-concepts");
  const roleList = document.getElementById("extract-roles");
  if (!form || !input) return;
  const BASE = "https://w3id.org/backendkg/";
  const VOCABULARIES = { esco: "ESCO", isco: "ISCO-08", onet: "O*NET-SOC", wikidata: "Wikidata" };
  let ticket = 0; // only the latest request may show its answer

  function href(iri) {
    return iri.startsWith(BASE) ? "/" + iri.slice(BASE.length) : iri;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function conceptLink(item) {
    const a = el("a", null, item.label);
    a.href = href(item.iri);
    a.title = item.iri;
    return a;
  }

  // The offsets of the answer count Unicode code points; JavaScript strings count UTF-16 code units.
  function showMarked(text, concepts) {
    const chars = Array.from(text);
    const spans = [];
    concepts.forEach((concept, index) => {
      for (const m of concept.mentions) spans.push({ start: m.start, end: m.end, concept, index });
    });
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const fragment = document.createDocumentFragment();
    let at = 0;
    for (const span of spans) {
      if (span.start < at) continue;
      if (span.start > at) fragment.appendChild(document.createTextNode(chars.slice(at, span.start).join("")));
      const mark = el("mark", "kind-" + (span.concept.kind || "other"), chars.slice(span.start, span.end).join(""));
      mark.title = span.concept.label + " (" + (span.concept.kind || "concept") + ")";
      mark.dataset.iri = span.concept.iri;
      mark.dataset.concept = String(span.index);
      fragment.appendChild(mark);
      at = span.end;
    }
    if (at < chars.length) fragment.appendChild(document.createTextNode(chars.slice(at).join("")));
    marked.replaceChildren(fragment);
  }

  function showConcepts(concepts) {
    conceptList.replaceChildren();
    if (!concepts.length) {
      conceptList.appendChild(el("li", "none", "The text names none of the graph's concepts."));
      return;
    }
    for (const concept of concepts) {
      const li = el("li");
      li.appendChild(conceptLink(concept));
      li.appendChild(el("span", "kind-tag", concept.kind || ""));
      const count = concept.mentions.length;
      li.appendChild(el("span", "count", count === 1 ? "once" : count + " times"));
      const links = concept.links.filter((l) => /^https?:\/\//.test(l.iri));
      if (links.length) {
        const span = el("span", "links");
        for (const link of links) {
          const a = el("a", "vocab", VOCABULARIES[link.vocabulary] || link.vocabulary);
          a.href = link.iri;
          a.title = link.relation + " " + link.iri;
          a.rel = "noopener noreferrer";
          span.appendChild(a);
        }
        li.appendChild(span);
      }
      conceptList.appendChild(li);
    }
  }

  function itemList(label, items, className) {
    const p = el("p", className);
    p.appendChild(el("span", "what", label + ": "));
    if (!items.length) {
      p.appendChild(document.createTextNode("none"));
      return p;
    }
    items.forEach((item, i) => {
      if (i) p.appendChild(document.createTextNode(", "));
      p.appendChild(conceptLink(item));
    });
    return p;
  }

  function showRoles(roles) {
    roleList.replaceChildren();
    if (!roles.length) {
      roleList.appendChild(el("li", "none", "No role fits: the text names none of their requirements."));
      return;
    }
    for (const role of roles) {
      const li = el("li");
      const head = el("div", "fit-head");
      head.appendChild(conceptLink(role));
      head.appendChild(el("span", "score", Math.round(role.score * 100) + "%"));
      if (role.named) head.appendChild(el("span", "badge", "named in the text"));
      li.appendChild(head);
      li.appendChild(itemList("Matched", role.matched, "matched"));
      li.appendChild(itemList("Missing (essential)", role.missing_essential, "missing"));
      if (role.missing_optional.length) {
        const details = el("details");
        details.appendChild(el("summary", null, role.missing_optional.length + " optional requirements missing"));
        details.appendChild(itemList("Missing (optional)", role.missing_optional, "missing-optional"));
        li.appendChild(details);
      }
      roleList.appendChild(li);
    }
  }

  async function extract(event) {
    if (event) event.preventDefault();
    const text = input.value;
    const mine = ++ticket;
    run.disabled = true;
    statusLine.classList.remove("error");
    statusLine.textContent = "Reading…";
    try {
      const response = await fetch("/api/extract", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ text }),
      });
      const body = await response.json().catch(() => null);
      if (mine !== ticket) return;
      if (!response.ok || !body) {
        results.hidden = true;
        statusLine.classList.add("error");
        statusLine.textContent =
          "Error " + response.status + ": " + ((body && body.description) || response.statusText);
        return;
      }
      showMarked(text, body.concepts);
      showConcepts(body.concepts);
      showRoles(body.roles);
      const n = body.concepts.length;
      statusLine.textContent = n + (n === 1 ? " concept" : " concepts") + ", " + body.roles.length + " roles";
      results.hidden = false;
    } catch (err) {
      if (mine !== ticket) return;
      statusLine.classList.add("error");
      statusLine.textContent = "The server could not be reached.";
    } finally {
      if (mine === ticket) run.disabled = false;
    }
  }

  form.addEventListener("submit", extract);
  if (sample) {
    sample.addEventListener("click", () => {
      input.value = sample.dataset.sample || "";
      extract();
    });
  }
})();
