// Swagger UI on the viewer's own OpenAPI document (served from the package, no CDN).
// "Authorize" takes the same access token as the page.
/* global SwaggerUIBundle */
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
});
