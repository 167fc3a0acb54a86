import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { documentGlobalResponses } from './common/http/openapi-global-responses';
import { documentCommonHeaders } from './common/http/openapi-headers';
import { documentOperations } from './common/http/openapi-operations';

/** The committed copy of the document, at the repository root (`npm run openapi` writes it). */
export const OPENAPI_FILE = 'openapi.json';

/** What a bearer token must carry; the security scheme's description. */
export const BEARER_SCHEME_DESCRIPTION =
  'A JWT signed with RS256 or ES256 by a key published at AUTH_JWKS_URL. It must carry ' +
  '`iss` equal to AUTH_ISSUER, `aud` containing AUTH_AUDIENCE, `exp` (and `nbf` when ' +
  'present, both honoured with a small clock tolerance), and `sub`, a non-empty string. ' +
  'Scopes come from the space-separated `scope` claim (for example ' +
  '`scope="products:write producers:write"`). An optional `producer_id` claim, when ' +
  'present, must be a positive integer and limits the writes of the token to that ' +
  'producer. A request without credentials is a 401 with `WWW-Authenticate: Bearer`; a ' +
  'token that fails any check is a 401 with `WWW-Authenticate: Bearer error="invalid_token"` ' +
  'whose detail names the failing check; a missing scope is a 403 with ' +
  '`error="insufficient_scope"`. `npm run token:dev -- --scope products:write` prints a ' +
  'token for local use.';

/**
 * The OpenAPI document of `app`, built from the controllers' decorators and completed with
 * what global machinery adds (common problems, common headers, security, tags). It needs
 * no listening server: `npm run openapi` builds it from an application created in preview
 * mode, and the running service serves the same document at /docs-json.
 *
 * @param serverUrl the public base URL clients call (PUBLIC_BASE_URL)
 */
export function buildOpenApiDocument(app: INestApplication, serverUrl: string): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('FarmLokal API')
      .setDescription(
        'Hyperlocal marketplace backend: product catalog, producers with near-me search, ' +
          'partner integrations and webhooks. Errors are RFC 9457 problem+json. Write ' +
          'endpoints need a bearer JWT (see the `bearer` security scheme). docs/api.md ' +
          'explains the API in prose; this document is the reference.',
      )
      .setVersion('1.0.0')
      // package.json: UNLICENSED. The terms live beside the problem types' documentation.
      .setLicense('Proprietary', 'https://farmlokal.example/terms')
      .addServer(serverUrl, 'This deployment (PUBLIC_BASE_URL)')
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: BEARER_SCHEME_DESCRIPTION,
        },
        'bearer',
      )
      .build(),
  );
  return documentOperations(documentCommonHeaders(documentGlobalResponses(document)));
}
