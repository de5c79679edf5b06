// /docs: Swagger UI (served from /assets/swagger-ui, loaded before this script) rendering the
// gateway's own /openapi.json. Kept out of the page as a file so the page's CSP needs no inline script.

type SwaggerUiOptions = {
  url: string;
  dom_id: string;
  deepLinking: boolean;
  validatorUrl: null;
  defaultModelsExpandDepth: number;
  docExpansion: "list" | "none" | "full";
  tryItOutEnabled: boolean;
};

const { SwaggerUIBundle } = window as unknown as { SwaggerUIBundle: (options: SwaggerUiOptions) => unknown };

SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // Swagger UI would otherwise send the document to validator.swagger.io for a badge.
  validatorUrl: null,
  defaultModelsExpandDepth: 0,
  docExpansion: "list",
  tryItOutEnabled: false,
});
