// `npm run client:generate`: regenerates clients/typescript/schema.d.ts from the OpenAPI document
// the app produces in-process (clients/generate.ts); no server needed.
import { SCHEMA_PATH, writeClientSchema } from '../clients/generate.js';

const size = await writeClientSchema();
console.log(`wrote ${SCHEMA_PATH} (${size} characters)`);
process.exit(0);
