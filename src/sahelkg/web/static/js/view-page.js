// A view page (/network, /timeline, /map): draws the data the server put in #view-data.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var config = JSON.parse(document.getElementById("view-config").textContent);
    var data = JSON.parse(document.getElementById("view-data").textContent);
    var canvas = document.getElementById("view-canvas");
    var legend = document.getElementById("view-legend");
    var views = window.SahelkgViews;
    if (config.view === "network") views.drawNetwork(canvas, data, legend);
    else if (config.view === "timeline") views.drawTimeline(canvas, data, legend);
    else if (config.view === "map") views.drawMap(canvas, data, config.basemap, legend);
    canvas.setAttribute("data-ready", "true");
  });
})();
