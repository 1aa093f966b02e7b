// The query editor: YASGUI (vendored) over this service's /sparql, the project's prefixes in the
// starting query, and a menu of saved queries and worked examples. Its settings come from the
// page's JSON block (#query-config), so no inline script is needed.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var config = JSON.parse(document.getElementById("query-config").textContent);
    var endpoint = new URL(config.endpoint, window.location.href).href;
    var host = document.getElementById("yasgui");

    var yasgui = new Yasgui(host, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      populateFromUrl: false,
      persistenceId: "sahelkg-query-editor",
      // Only our endpoint: the catalogue would otherwise offer public endpoints we never call.
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
      yasqe: {
        value: config.defaultQuery,
        // The class and property completers ask a remote vocabulary service; prefixes come built in.
        autocompleters: ["prefixes", "variables"],
        resizeable: true,
        collapsePrefixesOnLoad: true,
        // An editable element inside the scrolling region: keyboard and screen-reader reachable.
        inputStyle: "contenteditable",
        editorHeight: "22rem",
      },
      yasr: { prefixes: config.prefixes },
    });

    function tab() {
      return yasgui.getTab();
    }

    // Tabs remembered from an earlier visit may name another endpoint: bring them back here.
    Object.keys(yasgui._tabs || {}).forEach(function (id) {
      var other = yasgui.getTab(id);
      if (other && other.getEndpoint && other.getEndpoint() !== endpoint) other.setEndpoint(endpoint);
    });

    if (config.initialQuery) tab().setQuery(config.initialQuery);

    // YASGUI's own markup lacks some names and roles; give them, whenever it redraws.
    function label(selector, text) {
      host.querySelectorAll(selector).forEach(function (element) {
        if (!element.hasAttribute("aria-label")) element.setAttribute("aria-label", text);
      });
    }
    function repairAccessibility() {
      label(".CodeMirror textarea, .CodeMirror [contenteditable=true]", "SPARQL query");
      label("select.tableSizer", "Rows per page");
      label("input.autocomplete", "SPARQL endpoint");
      label(".tabsList .tab input[type=text]", "Tab name");
    }
    // Result cells link our IRIs to their pages on this service, as every page here does; an IRI
    // that is not http(s) (javascript:, data: …) stays text.
    function linkLocally() {
      host.querySelectorAll(".yasr a[href]").forEach(function (link) {
        var href = link.getAttribute("href");
        if (href.indexOf(config.dataBase) === 0) {
          link.setAttribute("href", config.pageBase + href.slice(config.dataBase.length));
          link.removeAttribute("target");
        } else if (!/^(https?:|\/[^\/]|#)/i.test(href)) {
          link.removeAttribute("href");
        }
      });
    }
    function onRedraw() {
      repairAccessibility();
      linkLocally();
    }
    onRedraw();
    new MutationObserver(onRedraw).observe(host, { childList: true, subtree: true });

    var byKey = {};
    config.saved.forEach(function (item) { byKey["saved:" + item.name] = item; });
    config.examples.forEach(function (item) { byKey["example:" + item.name] = item; });
    var menu = document.getElementById("query-menu");
    var description = document.getElementById("query-menu-description");
    menu.addEventListener("change", function () {
      var item = byKey[menu.value];
      if (!item) return;
      tab().setQuery(item.text);
      description.textContent = item.description;
    });
  });
})();
