// The query editor of the front page: runs the query against /sparql, shows the results, keeps the query
// in the address bar so the page can be shared.
(function () {
  "use strict";
  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  const runButton = document.getElementById("run");
  const shareButton = document.getElementById("share");
  const results = document.getElementById("results");
  const statusLine = document.getElementById("result-status");
  const body = document.getElementById("result-body");
  const downloads = {
    csv: document.getElementById("download-csv"),
    json: document.getElementById("download-json"),
    ttl: document.getElementById("download-ttl"),
  };
  const examples = JSON.parse(document.getElementById("examples-data").textContent);
  const prefixes = JSON.parse(document.getElementById("prefixes-data").textContent);
  const BASE = "https://w3id.org/backendkg/";
  let last = null; // { kind: "select" | "ask" | "graph", text, json }
  let ticket = 0; // only the latest run may show its answer

  function curie(iri) {
    let best = null;
    for (const [prefix, ns] of Object.entries(prefixes)) {
      if (iri.startsWith(ns) && iri.length > ns.length && (!best || ns.length > prefixes[best].length)) {
        const local = iri.slice(ns.length);
        if (/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(local) && !local.endsWith(".")) best = prefix;
      }
    }
    return best ? best + ":" + iri.slice(prefixes[best].length) : iri;
  }

  // Only http(s) IRIs become links: a javascript:, data: or vbscript: IRI in a result is shown as text.
  function href(iri) {
    if (iri.startsWith(BASE)) return "/" + iri.slice(BASE.length);
    return /^https?:\/\//i.test(iri) ? iri : null;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const target = href(term.value);
      const a = document.createElement(target ? "a" : "span");
      if (target) a.href = target;
      a.textContent = curie(term.value);
      a.title = term.value;
      td.appendChild(a);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      td.appendChild(document.createTextNode(term.value));
      const extra = term["xml:lang"] ? "@" + term["xml:lang"] : "";
      if (extra) {
        const span = document.createElement("span");
        span.className = "lang";
        span.textContent = extra;
        td.appendChild(span);
      }
    }
    return td;
  }

  function showTable(json) {
    const vars = json.head.vars || [];
    const rows = json.results.bindings || [];
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    const table = document.createElement("table");
    const caption = document.createElement("caption");
    caption.className = "visually-hidden";
    caption.textContent = "Query results";
    table.appendChild(caption);
    const thead = table.createTHead();
    const hr = thead.insertRow();
    for (const v of vars) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = v;
      hr.appendChild(th);
    }
    const tbody = table.createTBody();
    for (const row of rows) {
      const tr = tbody.insertRow();
      for (const v of vars) tr.appendChild(cell(row[v]));
    }
    wrap.appendChild(table);
    body.appendChild(wrap);
    return rows.length;
  }

  function csvField(term) {
    const text = term ? (term.type === "bnode" ? "_:" + term.value : term.value) : "";
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function toCsv(json) {
    const vars = json.head.vars || [];
    const lines = [vars.join(",")];
    for (const row of json.results.bindings) lines.push(vars.map((v) => csvField(row[v])).join(","));
    return lines.join("\r\n") + "\r\n";
  }

  function save(text, type, name) {
    const url = URL.createObjectURL(new Blob([text], { type: type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function setDownloads(kind) {
    downloads.csv.hidden = kind !== "select";
    downloads.json.hidden = kind !== "select" && kind !== "ask";
    downloads.ttl.hidden = kind !== "graph";
  }

  function showError(message) {
    const div = document.createElement("div");
    div.className = "error";
    div.setAttribute("role", "alert");
    div.textContent = message;
    body.appendChild(div);
  }

  function keepInUrl(query) {
    const url = new URL(window.location.href);
    url.searchParams.set("query", query);
    window.history.replaceState(null, "", url.pathname + url.search);
    shareButton.hidden = false;
  }

  async function run(options) {
    const query = textarea.value;
    const mine = ++ticket;
    if (!options || options.keep !== false) keepInUrl(query);
    results.hidden = false;
    body.innerHTML = "";
    setDownloads(null);
    last = null;
    statusLine.textContent = "Running…";
    runButton.disabled = true;
    const started = performance.now();
    try {
      const response = await fetch("/sparql", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/sparql-results+json, text/turtle;q=0.9, application/json;q=0.5",
        },
        body: new URLSearchParams({ query: query }),
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
      const text = await response.text();
      if (mine !== ticket) return;
      if (!response.ok) {
        let message = text;
        try {
          const error = JSON.parse(text);
          message = error.description || error.message || text;
          statusLine.textContent = "Error " + response.status + (error.name ? ": " + error.name : "");
        } catch (err) {
          statusLine.textContent = "Error " + response.status;
        }
        showError(message);
        return;
      }
      if (type === "application/sparql-results+json" || type === "application/json") {
        const json = JSON.parse(text);
        if (typeof json.boolean === "boolean") {
          const div = document.createElement("div");
          div.className = "answer " + (json.boolean ? "yes" : "no");
          div.textContent = json.boolean ? "Yes" : "No";
          body.appendChild(div);
          statusLine.textContent = "ASK: " + (json.boolean ? "yes" : "no") + " · " + seconds + " s";
          last = { kind: "ask", text: text, json: json };
        } else {
          const count = showTable(json);
          statusLine.textContent = count + (count === 1 ? " row" : " rows") + " · " + seconds + " s";
          last = { kind: "select", text: text, json: json };
        }
      } else {
        const pre = document.createElement("pre");
        pre.className = "turtle";
        pre.textContent = text;
        body.appendChild(pre);
        statusLine.textContent = "Graph (" + (type || "text") + ") · " + seconds + " s";
        last = { kind: "graph", text: text };
      }
      setDownloads(last.kind);
    } catch (err) {
      if (mine !== ticket) return;
      statusLine.textContent = "Error";
      showError("The query could not be sent: " + err.message);
    } finally {
      if (mine === ticket) runButton.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  document.querySelectorAll("[data-example]").forEach((button) => {
    button.addEventListener("click", () => {
      const text = examples[button.dataset.example];
      if (!text) return;
      textarea.value = text;
      textarea.focus();
      run();
    });
  });
  shareButton.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      shareButton.textContent = "Link copied";
    } catch (err) {
      shareButton.textContent = "Copy the address bar";
    }
    setTimeout(() => { shareButton.textContent = "Copy link"; }, 2000);
  });
  downloads.csv.addEventListener("click", () => last && save(toCsv(last.json), "text/csv", "results.csv"));
  downloads.json.addEventListener("click", () =>
    last && save(last.text, "application/sparql-results+json", "results.json"));
  downloads.ttl.addEventListener("click", () => last && save(last.text, "text/turtle", "results.ttl"));

  // A shared link runs its query; a plain visit shows the answer to the sample query already in the editor.
  run({ keep: new URLSearchParams(window.location.search).has("query") });
})();
