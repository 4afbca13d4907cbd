// The API reference at /docs: Swagger UI (swagger-ui-dist, copied next to this file by
// vite.config.ts) rendering the server's own OpenAPI document. No validator badge (it would
// send the document to validator.swagger.io) and no ?url= or ?configUrl= (the page shows
// this server's document and nothing else).
window.ui = window.SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  queryConfigEnabled: false,
  validatorUrl: null,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
