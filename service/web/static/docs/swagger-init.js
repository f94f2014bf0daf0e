// Starts Swagger UI on /docs. A file, not an inline script, so that the page runs under the same
// strict Content-Security-Policy as the rest of the UI (script-src 'self'). Swagger UI itself is
// served by this application (/docs/assets), never from a CDN: /docs works without Internet.
"use strict";

window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // No badge from validator.swagger.io: the page asks nothing of another host.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
