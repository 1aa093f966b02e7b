// The workbench's three drawings, shared by the /network, /timeline and /map pages and by the
// query editor's result views (#defaultView:Graph|Timeline|Map): Cytoscape.js, vis-timeline and
// Leaflet, all vendored. Labels come from the data, so they are always set as text, never as HTML.
(function () {
  "use strict";

  var PALETTE = ["#b03a2e", "#1f618d", "#117a65", "#b9770e", "#6c3483", "#2e4053", "#a04000", "#196f3d",
                 "#7b7d7d", "#884ea0", "#2874a6", "#d35400"];
  var KIND_COLOURS = {
    "state force": "#1f618d", "state-backed militia": "#5b2c6f", "private military company": "#6c3483",
    "armed group": "#b03a2e", "government": "#154360", "international mission": "#117a65",
    "news organisation": "#7b7d7d", "civil society": "#196f3d", "communal group": "#a04000",
    "person": "#b9770e", "organisation": "#2e4053", "actor": "#566573"
  };
  var EDGE_COLOURS = { affiliation: "#4d5656", hostility: "#c0392b", accusation: "#d35400" };

  function colourOf(key, palette, index) {
    return palette[key] || PALETTE[index % PALETTE.length];
  }

  function legend(host, entries) {
    if (!host) return;
    host.textContent = "";
    entries.forEach(function (entry) {
      var li = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch" + (entry.dashed ? " swatch--dashed" : "");
      swatch.style.background = entry.colour;
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(entry.label));
      host.appendChild(li);
    });
  }

  function go(href) {
    if (href && /^(\/[^\/]|https?:)/.test(href)) window.location.href = href;
  }

  // --- Network -------------------------------------------------------------------------------
  function drawNetwork(container, data, legendHost) {
    var kinds = {};
    var elements = [];
    data.nodes.forEach(function (node) {
      kinds[node.kind] = colourOf(node.kind, KIND_COLOURS, Object.keys(kinds).length);
      elements.push({ data: { id: node.id, label: node.label, href: node.href || "", colour: kinds[node.kind] } });
    });
    data.edges.forEach(function (edge) {
      elements.push({ data: { id: edge.id, source: edge.source, target: edge.target, label: edge.label,
                              type: edge.type, colour: EDGE_COLOURS[edge.type] || "#555" } });
    });
    var cy = cytoscape({
      container: container,
      elements: elements,
      style: [
        { selector: "node", style: { "background-color": "data(colour)", label: "data(label)", "font-size": 10,
          "text-wrap": "wrap", "text-max-width": 110, "text-valign": "bottom", "text-margin-y": 3,
          color: "#1b1f23", width: 18, height: 18 } },
        { selector: "edge", style: { width: 1.6, "line-color": "data(colour)", "target-arrow-color": "data(colour)",
          "target-arrow-shape": "triangle", "curve-style": "bezier", label: "data(label)", "font-size": 8,
          color: "#4a5159", "text-rotation": "autorotate", "text-background-color": "#fff",
          "text-background-opacity": 0.8 } },
        { selector: "edge[type = 'hostility']", style: { "line-style": "dashed", "target-arrow-shape": "none",
          width: 2.2 } },
        { selector: "edge[type = 'accusation']", style: { "line-style": "dotted", width: 2 } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#e08a00" } }
      ],
      layout: { name: data.nodes.length > 300 ? "grid" : "cose", animate: false, nodeDimensionsIncludeLabels: true },
      wheelSensitivity: 0.3
    });
    cy.on("tap", "node", function (event) { go(event.target.data("href")); });
    container.setAttribute("data-nodes", String(cy.nodes().length));
    container.setAttribute("data-edges", String(cy.edges().length));
    var entries = Object.keys(kinds).map(function (k) { return { label: k, colour: kinds[k] }; });
    entries.push({ label: "affiliation", colour: EDGE_COLOURS.affiliation });
    entries.push({ label: "hostility (dashed)", colour: EDGE_COLOURS.hostility, dashed: true });
    entries.push({ label: "accusation (dotted)", colour: EDGE_COLOURS.accusation });
    legend(legendHost, entries);
    return cy;
  }

  // --- Timeline ------------------------------------------------------------------------------
  function drawTimeline(container, data, legendHost) {
    var items = data.items.map(function (item) {
      var content = document.createElement("span");
      content.textContent = item.content;
      content.title = item.when || "";
      var entry = { id: item.id, content: content, start: item.start, group: item.group, title: item.when || "",
                    href: item.href, className: "tl-" + (item.group || "item") };
      if (item.end) { entry.end = item.end; entry.type = "range"; } else { entry.type = "point"; }
      return entry;
    });
    var options = { stack: true, maxHeight: 560, zoomKey: "ctrlKey", orientation: { axis: "top" },
                    tooltip: { followMouse: true } };
    // Long spans (years) would squeeze the rest: open on the last three months that hold items.
    var latest = items.reduce(function (m, i) { return i.start > m ? i.start : m; }, "");
    var earliest = items.reduce(function (m, i) { return !m || i.start < m ? i.start : m; }, "");
    if (latest && earliest && (Date.parse(latest) - Date.parse(earliest)) > 400 * 864e5) {
      options.start = new Date(Date.parse(latest) - 75 * 864e5);
      options.end = new Date(Date.parse(latest) + 20 * 864e5);
    }
    // Events past the drawn ones are counted per day, month or year: a background band says how many.
    var hidden = 0;
    (data.not_drawn || []).forEach(function (bin, i) {
      var label = document.createElement("span");
      label.textContent = bin.count.toLocaleString("en") + " more";
      hidden += bin.count;
      items.push({ id: "not-drawn-" + i, content: label, start: bin.start,
                   end: new Date(Date.parse(bin.end) + 864e5), type: "background", group: "events",
                   title: bin.count.toLocaleString("en") + " events of " + bin.when + " not drawn: narrow the filters",
                   className: "tl-not-drawn" });
    });
    var groups = (data.groups || []).map(function (group) {
      var label = document.createElement("span");
      label.textContent = group.content;
      return { id: group.id, content: label };
    });
    var timeline = groups.length
      ? new vis.Timeline(container, new vis.DataSet(items), new vis.DataSet(groups), options)
      : new vis.Timeline(container, new vis.DataSet(items), options);
    timeline.on("select", function (properties) {
      var chosen = items.filter(function (i) { return properties.items.indexOf(i.id) >= 0; })[0];
      if (chosen) go(chosen.href);
    });
    container.setAttribute("data-items", String(data.items.length));
    container.setAttribute("data-not-drawn", String(hidden));
    legend(legendHost, [{ label: "events", colour: "#1f618d" }, { label: "statements", colour: "#b9770e" }]);
    return timeline;
  }

  // --- Map -----------------------------------------------------------------------------------
  // Every marker weighs the events it stands for (one, or all those at a point when the events are
  // too many to draw one by one); a cluster shows the sum and splits on zoom or click.
  function weightOf(cluster) {
    return cluster.getAllChildMarkers().reduce(function (sum, m) { return sum + (m.options.weight || 1); }, 0);
  }

  function clusterIcon(cluster) {
    var n = weightOf(cluster);
    var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    var inner = document.createElement("div");
    var count = document.createElement("span");
    count.textContent = n.toLocaleString("en");
    inner.appendChild(count);
    return L.divIcon({ html: inner, className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40) });
  }

  function dot(colour, count) {
    var element = document.createElement("span");
    element.className = "map-dot" + (count > 1 ? " map-dot--many" : "");
    if (count > 1) {  // a count stays dark on white, whatever the type's colour
      element.style.borderColor = colour;
      element.textContent = count.toLocaleString("en");
    } else {
      element.style.background = colour;
    }
    return L.divIcon({ html: element, className: "map-marker", iconSize: count > 1 ? [30, 30] : [16, 16] });
  }

  function popupOf(title, href, meta) {
    var popup = document.createElement("div");
    var head = document.createElement(href ? "a" : "strong");
    head.textContent = title;
    if (href) head.href = href;
    popup.appendChild(head);
    var line = document.createElement("div");
    line.textContent = meta;
    popup.appendChild(line);
    return popup;
  }

  function drawMap(container, data, basemapUrl, legendHost) {
    var map = L.map(container, { worldCopyJump: true, attributionControl: true, maxZoom: 12, minZoom: 2 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Country outlines: Natural Earth (world-atlas)");
    map.setView([15, 0], 4);
    var types = {};
    (data.types || []).forEach(function (t, i) { types[t] = PALETTE[i % PALETTE.length]; });
    function colour(type) {
      if (!types[type]) types[type] = PALETTE[Object.keys(types).length % PALETTE.length];
      return types[type];
    }
    // Pages that load Leaflet.markercluster cluster; the query editor's result map draws every row.
    var layer = L.markerClusterGroup
      ? L.markerClusterGroup({ maxClusterRadius: 45, showCoverageOnHover: false, chunkedLoading: true,
                               iconCreateFunction: clusterIcon })
      : L.featureGroup();
    var markers = [];
    var total = data.total === undefined ? data.points.length : data.total;
    if (!data.places || total <= data.points.length) {
      data.points.forEach(function (point) {
        var marker = L.marker([point.lat, point.lon], { icon: dot(colour(point.type), 1), weight: 1,
                                                        title: point.label, alt: point.label });
        marker.bindPopup(popupOf(point.label, point.href, [point.type, point.when].filter(Boolean).join(" · ")));
        markers.push(marker);
      });
    } else {
      // Too many to draw one by one: one marker per point, weighing the events there.
      data.places.forEach(function (place) {
        var kinds = Object.keys(place.types).sort(function (a, b) { return place.types[b] - place.types[a]; });
        var text = place.count.toLocaleString("en") + " events here";
        var marker = L.marker([place.lat, place.lon], { icon: dot(colour(kinds[0]), place.count), weight: place.count,
                                                        title: text, alt: text });
        marker.bindPopup(popupOf(text, "", kinds.map(function (k) {
          return k + ": " + place.types[k].toLocaleString("en");
        }).join(" · ")));
        markers.push(marker);
      });
    }
    if (layer.addLayers) layer.addLayers(markers);
    else markers.forEach(function (m) { layer.addLayer(m); });
    layer.addTo(map);
    if (markers.length) map.fitBounds(L.latLngBounds(markers.map(function (m) { return m.getLatLng(); })).pad(0.3),
                                      { maxZoom: 7 });
    container.setAttribute("data-markers", String(total));
    legend(legendHost, Object.keys(types).map(function (t) { return { label: t, colour: types[t] }; }));
    if (basemapUrl) {
      fetch(basemapUrl).then(function (r) { return r.json(); }).then(function (topology) {
        var countries = topojson.feature(topology, topology.objects.countries);
        var base = L.geoJSON(countries, { interactive: false, style: { color: "#7f8c8d", weight: 0.8,
                                                                        fillColor: "#f4f1ea", fillOpacity: 1 } });
        base.addTo(map);
        base.bringToBack();
        container.setAttribute("data-basemap", "ready");
      });
    }
    return map;
  }

  window.SahelkgViews = { drawNetwork: drawNetwork, drawTimeline: drawTimeline, drawMap: drawMap, go: go };
})();
