// Starts the vendored Swagger UI on /docs (no inline script, so the page keeps the console's CSP).
window.addEventListener("load", function () {
  window.SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
});
