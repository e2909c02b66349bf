import { z } from 'zod';

interface Document {
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>;
  components: { schemas: Record<string, unknown> };
}
interface ResponseObject {
  content?: Record<string, { schema: unknown }>;
}

/**
 * The schema the app's published OpenAPI document gives for one response, as a zod validator:
 * what a client generated from the document would expect (not the zod schema the route used).
 */
export function publishedResponseSchema(
  document: unknown,
  method: string,
  path: string,
  status: number,
): z.ZodType {
  const doc = document as Document;
  const response = doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
  const content =
    response?.content?.['application/json'] ?? response?.content?.['application/problem+json'];
  if (!content) throw new Error(`the document has no ${method} ${path} → ${status} body`);
  // Component references become JSON Schema $defs, which fromJSONSchema resolves.
  const asDefs = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value).replaceAll('#/components/schemas/', '#/$defs/'));
  return z.fromJSONSchema({
    ...(asDefs(content.schema) as object),
    $defs: asDefs(doc.components.schemas) as Record<string, never>,
  });
}
