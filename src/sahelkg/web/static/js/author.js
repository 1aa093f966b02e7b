// The authoring page: selected words become a claim in the sheet; the sheet is checked as it changes.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const text = $("author-text"), view = $("text-view"), sheet = $("sheet");
  let selected = "", timer = null, sequence = 0;

  function showText() { view.textContent = text.value; schedule(); }

  function rememberSelection() {
    const s = window.getSelection();
    if (!s || s.rangeCount === 0 || !view.contains(s.anchorNode)) { return; }
    const words = s.toString();
    if (words.trim()) {
      selected = words;
      $("selection").textContent = "Selected: “" + words + "”";
    }
  }

  // A YAML double-quoted scalar: JSON's string syntax is valid YAML.
  const quoted = (value) => JSON.stringify(value);
  const names = (value) => value.split(",").map((v) => v.trim()).filter(Boolean).map(quoted);

  function addClaim() {
    if (!selected) { $("selection").textContent = "Select the words the claim rests on first."; return; }
    const parts = ["stance: " + $("claim-stance").value];
    if ($("claim-about").value.trim()) { parts.push("about: " + quoted($("claim-about").value.trim())); }
    const accused = names($("claim-accused").value);
    if (accused.length) { parts.push("accused: [" + accused.join(", ") + "]"); }
    if ($("claim-count").value.trim()) {
      parts.push("counts: [{wording: " + quoted($("claim-count").value.trim()) + ", outcome: "
        + quoted($("claim-outcome").value.trim() || "killed") + "}]");
    }
    parts.push("quotes: [" + quoted(selected) + "]");
    const head = [];
    if ($("claim-by").value.trim()) { head.push("by: " + quoted($("claim-by").value.trim())); }
    if ($("claim-for").value.trim()) { head.push("for: " + quoted($("claim-for").value.trim())); }
    head.push("claims: [{" + parts.join(", ") + "}]");
    const body = sheet.value.endsWith("\n") ? sheet.value : sheet.value + "\n";
    sheet.value = body + "  - {" + head.join(", ") + "}\n";
    schedule();
  }

  function item(cls, textContent) {
    const li = document.createElement("li");
    li.className = cls;
    li.textContent = textContent;
    return li;
  }

  async function check() {
    const mine = ++sequence;
    $("check-status").textContent = "Checking…";
    const response = await fetch("/author/check", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({sheet: sheet.value, text: text.value})});
    const result = await response.json();
    if (mine !== sequence) { return; }  // a newer check is on its way
    const list = $("findings");
    list.replaceChildren();
    if (!response.ok) { $("check-status").textContent = result.detail || "The check failed."; return; }
    for (const p of result.problems) { list.append(item("finding--problem", "Sheet line " + p.line + ": " + p.message)); }
    for (const r of result.results) {
      list.append(item("finding--" + r.severity, r.severity + " on " + r.focus + (r.path ? " (" + r.path + ")" : "")
        + ": " + r.message));
    }
    $("check-status").textContent = result.problems.length
      ? result.problems.length + " problem(s) in the sheet"
      : (result.conforms ? "The gate: conforms (" + result.quads + " quads)" : "The gate: does not conform");
    $("check-status").dataset.conforms = String(result.conforms);
  }

  function schedule() { clearTimeout(timer); timer = setTimeout(() => { check().catch(() => {}); }, 500); }

  async function save() {
    const response = await fetch("/author/save", {method: "POST", headers: {"Content-Type": "application/json",
      "Authorization": "Bearer " + $("write-token").value}, body: JSON.stringify({sheet: sheet.value, text: text.value})});
    const result = await response.json();
    const out = $("save-result");
    out.replaceChildren();
    if (!response.ok) { out.textContent = (result.title || "Refused") + ": " + (result.detail || ""); return; }
    out.append("Saved " + result.added + " quads. The accused: ");
    for (const a of result.accused) {
      const link = document.createElement("a");
      link.href = a.href;
      link.textContent = a.iri.split("/").pop();
      out.append(link, " ");
    }
  }

  async function suggest(event) {
    const q = event.target.value.split(",").pop().trim();
    if (q.length < 2) { return; }
    const response = await fetch("/search.json?kind=actor&q=" + encodeURIComponent(q));
    if (!response.ok) { return; }
    const found = await response.json();
    const list = $("actor-names");
    list.replaceChildren(...found.results.map((hit) => { const o = document.createElement("option"); o.value = hit.label; return o; }));
  }

  text.addEventListener("input", showText);
  view.addEventListener("mouseup", rememberSelection);
  view.addEventListener("keyup", rememberSelection);
  document.addEventListener("selectionchange", rememberSelection);
  sheet.addEventListener("input", schedule);
  $("add-claim").addEventListener("click", addClaim);
  $("save").addEventListener("click", () => { save().catch((e) => { $("save-result").textContent = String(e); }); });
  for (const id of ["claim-by", "claim-for", "claim-accused"]) { $(id).addEventListener("input", suggest); }
  showText();
}());
