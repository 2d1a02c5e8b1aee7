// Suggestions as you type in the search box: GET /api/search, an ARIA combobox driven by the keyboard.
(function () {
  "use strict";
  const input = document.getElementById("search-input");
  const list = document.getElementById("search-suggestions");
  if (!input || !list) return;
  let results = [];
  let active = -1;
  let timer = null;
  let latest = 0;

  function close() {
    list.hidden = true;
    list.innerHTML = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    results = [];
    active = -1;
  }

  function highlight(index) {
    const items = list.querySelectorAll("li");
    items.forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
    active = index;
    if (index >= 0 && items[index]) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render(hits) {
    results = hits;
    list.innerHTML = "";
    if (!hits.length) { close(); return; }
    hits.forEach((hit, i) => {
      const li = document.createElement("li");
      li.id = "suggestion-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = hit.label;
      li.appendChild(label);
      if (hit.matched && hit.matched.toLowerCase() !== String(hit.label).toLowerCase()) {
        const matched = document.createElement("span");
        matched.className = "matched";
        matched.textContent = "“" + hit.matched + "”";
        li.appendChild(matched);
      }
      const kind = document.createElement("span");
      kind.className = "kind-tag";
      kind.textContent = hit.kind || "";
      li.appendChild(kind);
      li.addEventListener("mousedown", (event) => { event.preventDefault(); go(i); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(-1);
  }

  function go(index) {
    const hit = results[index];
    if (hit) window.location.href = hit.path || hit.iri;
  }

  async function suggest() {
    const q = input.value.trim();
    if (!q) { close(); return; }
    const ticket = ++latest;
    try {
      const response = await fetch("/api/search?limit=8&q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
      });
      if (!response.ok || ticket !== latest) return;
      const body = await response.json();
      if (ticket === latest) render(body.results || []);
    } catch (err) {
      close();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 120);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (list.hidden) { suggest(); return; }
      highlight(Math.min(active + 1, results.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(Math.max(active - 1, -1));
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      go(active);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
})();
