// Swagger UI (vendored) over this service's OpenAPI document; no validator badge (it would call a remote service).
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var host = document.getElementById("swagger-ui");
    window.ui = SwaggerUIBundle({
      url: host.getAttribute("data-openapi"),
      dom_id: "#swagger-ui",
      deepLinking: false, // its links sit inside the operation buttons (nested controls)
      validatorUrl: null,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    });
  });
})();
