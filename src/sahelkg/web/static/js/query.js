// The query editor: YASGUI (vendored) over this service's /sparql, the project's prefixes in the
// starting query, and a menu of saved queries and worked examples. Its settings come from the
// page's JSON block (#query-config), so no inline script is needed.
(function () {
  "use strict";

  var VIEW_NAMES = { map: "sahelkgMap", timeline: "sahelkgTimeline", graph: "sahelkgGraph" };
  var WKT = "http://www.opengis.net/ont/geosparql#wktLiteral";
  var POINT = /POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)/i;
  var DAY = /^(\d{4}-\d{2}-\d{2})/;

  // Result views for YASR (its plugin interface): each draws the result with the workbench's views.
  function registerViews(config) {
    var views = window.SahelkgViews;
    if (!views || !Yasgui.Yasr) return;

    function pageHref(iri) {
      if (iri.indexOf(config.dataBase) === 0) return config.pageBase + iri.slice(config.dataBase.length);
      return /^https?:/i.test(iri) ? iri : "";
    }
    function shortName(iri) {
      var names = Object.keys(config.prefixes).sort(function (a, b) {
        return config.prefixes[b].length - config.prefixes[a].length;
      });
      for (var i = 0; i < names.length; i++) {
        if (iri.indexOf(config.prefixes[names[i]]) === 0) return names[i] + ":" + iri.slice(config.prefixes[names[i]].length);
      }
      return iri;
    }
    // A row's label for an IRI column ?x: the column ?xLabel when there is one.
    function labelOf(row, variable) {
      var label = row[variable + "Label"];
      return label ? label.value : shortName(row[variable].value);
    }
    function firstIri(row, variables) {
      return variables.filter(function (v) { return row[v] && row[v].type === "uri"; })[0];
    }
    function host(yasr) {
      var old = document.getElementById("yasr-view");
      if (old) old.remove();
      var element = document.createElement("div");
      element.id = "yasr-view";
      element.className = "yasr-view";
      yasr.resultsEl.appendChild(element);
      return element;
    }
    function bindings(yasr) {
      return yasr.results && yasr.results.getBindings ? yasr.results.getBindings() || [] : [];
    }
    function variables(yasr) {
      return yasr.results && yasr.results.getVariables ? yasr.results.getVariables() || [] : [];
    }
    function pointOf(row, vars) {
      for (var i = 0; i < vars.length; i++) {
        var cell = row[vars[i]];
        if (cell && cell.type !== "uri" && (cell.datatype === WKT || POINT.test(cell.value))) {
          var m = POINT.exec(cell.value);
          if (m) return [parseFloat(m[1]), parseFloat(m[2])];
        }
      }
      return null;
    }
    function dateOf(row, vars) {
      for (var i = 0; i < vars.length; i++) {
        var cell = row[vars[i]];
        if (cell && cell.type !== "uri" && DAY.test(cell.value)) return DAY.exec(cell.value)[1];
      }
      return null;
    }
    function plugin(label, icon, canHandle, draw) {
      function View(yasr) { this.yasr = yasr; this.priority = 1; this.label = label; this.hideFromSelection = false; }
      View.prototype.canHandleResults = function () {
        return bindings(this.yasr).length > 0 && canHandle(bindings(this.yasr), variables(this.yasr));
      };
      View.prototype.draw = function () { draw(host(this.yasr), bindings(this.yasr), variables(this.yasr)); };
      View.prototype.getIcon = function () {
        var span = document.createElement("span");
        span.textContent = icon;
        span.setAttribute("aria-hidden", "true");
        return span;
      };
      return View;
    }
    Yasgui.Yasr.registerPlugin(VIEW_NAMES.map, plugin("Map", "◉", function (rows, vars) {
      return rows.some(function (r) { return pointOf(r, vars); });
    }, function (element, rows, vars) {
      var points = [];
      rows.forEach(function (row) {
        var p = pointOf(row, vars);
        var thing = firstIri(row, vars);
        if (p) points.push({ lon: p[0], lat: p[1], label: thing ? labelOf(row, thing) : p.join(", "),
                             href: thing ? pageHref(row[thing].value) : "", type: "result" });
      });
      views.drawMap(element, { points: points, types: ["result"] }, config.basemap, null);
    }));
    Yasgui.Yasr.registerPlugin(VIEW_NAMES.timeline, plugin("Timeline", "⏱", function (rows, vars) {
      return rows.some(function (r) { return dateOf(r, vars); });
    }, function (element, rows, vars) {
      var items = [];
      rows.forEach(function (row, i) {
        var day = dateOf(row, vars);
        var thing = firstIri(row, vars);
        if (day) items.push({ id: "r" + i, start: day, content: thing ? labelOf(row, thing) : day,
                              href: thing ? pageHref(row[thing].value) : "", when: day });
      });
      views.drawTimeline(element, { items: items }, null);
    }));
    Yasgui.Yasr.registerPlugin(VIEW_NAMES.graph, plugin("Graph", "⬡", function (rows, vars) {
      return rows.some(function (r) { return vars.filter(function (v) { return r[v] && r[v].type === "uri"; }).length >= 2; });
    }, function (element, rows, vars) {
      var nodes = {};
      var edges = [];
      rows.forEach(function (row) {
        var iris = vars.filter(function (v) { return row[v] && row[v].type === "uri"; });
        iris.forEach(function (v) {
          var iri = row[v].value;
          if (!nodes[iri]) nodes[iri] = { id: iri, label: labelOf(row, v), kind: v, href: pageHref(iri) };
        });
        for (var i = 1; i < iris.length; i++) {
          edges.push({ id: "e" + edges.length, source: row[iris[i - 1]].value, target: row[iris[i]].value,
                       type: "affiliation", label: iris[i] });
        }
      });
      views.drawNetwork(element, { nodes: Object.keys(nodes).map(function (k) { return nodes[k]; }), edges: edges }, null);
    }));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var config = JSON.parse(document.getElementById("query-config").textContent);
    var endpoint = new URL(config.endpoint, window.location.href).href;
    var host = document.getElementById("yasgui");

    registerViews(config);
    var yasgui = window.sahelkgYasgui = new Yasgui(host, {
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

    // As WDQS does: a "#defaultView:Map" (Timeline, Graph) comment picks the result view when the
    // query's result is first drawn; a query without one is shown as a table. The reader may switch after.
    var pending = false;
    function watch(answered) {
      var yasr = answered && answered.getYasr && answered.getYasr();
      if (!yasr || yasr.sahelkgWatched) return;
      yasr.sahelkgWatched = true;
      yasr.on("drawn", function () {
        if (!pending) return;
        pending = false;
        var match = /#\s*defaultView\s*:\s*(\w+)/i.exec(answered.getQuery() || "");
        var ours = Object.keys(VIEW_NAMES).map(function (k) { return VIEW_NAMES[k]; });
        var name = match ? VIEW_NAMES[match[1].toLowerCase()] : (ours.indexOf(yasr.selectedPlugin) >= 0 ? "table" : "");
        var plugin = name && yasr.plugins[name];
        if (plugin && yasr.selectedPlugin !== name && plugin.canHandleResults()) yasr.selectPlugin(name);
      });
    }
    watch(tab());
    yasgui.on("query", function (instance, asked) { pending = true; watch(asked); });

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
