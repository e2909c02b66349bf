import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Credentials, fuzzCredentials } from './lib/fuzz-credentials.js';
import { apiRequestCounts } from './lib/fuzz-metrics.js';
import { type FuzzStack, startFuzzStack } from './lib/fuzz-stack.js';
import { prefixedWriter } from './lib/log-prefix.js';
import { ensureSchemathesis, type RunReport, runSchemathesis } from './lib/schemathesis.js';

// `npm run fuzz`: schemathesis, every check and phase, against a stack of its own, once as a
// platform and once as a buyer's party token. FUZZ_MAX_EXAMPLES (per operation and phase) and
// FUZZ_SEED make a run larger or repeatable. Exits 1 on any failure.
const say = prefixedWriter('fuzz');
const maxExamples = Number(process.env.FUZZ_MAX_EXAMPLES ?? 100);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

// Failure kinds, as schemathesis names them in its report.
const SERVER_ERRORS = new Set(['ServerError', 'ContentTypeServerError']);
const SCHEMA_VIOLATIONS = new Set([
  'JsonSchemaError',
  'UndefinedStatusCode',
  'UndefinedContentType',
  'MissingContentType',
  'MalformedMediaType',
  'MissingHeaders',
  'MalformedJson',
]);

interface Phase {
  label: string;
  token: (credentials: Credentials) => string;
  /** More schemathesis.toml: a party token only sees its own escrow, so ids are bound to it. */
  config: (credentials: Credentials) => string;
}

// A window's range (PT1M to P365D) bounds the sum of a duration's parts, which no JSON Schema
// pattern can state: the document says so, and a create whose window is out of range gets the
// documented 422. Every other schema-valid request must still be accepted.
const WINDOW_RANGE = `[[operations]]
include-path = "/v1/escrows"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", "401", "403", "404", "409", "422", "429", "5XX"]
`;

const PHASES: Phase[] = [
  { label: 'platform API key', token: (c) => c.platformKey, config: () => WINDOW_RANGE },
  {
    label: 'buyer party token',
    token: (c) => c.buyerToken,
    config: (c) => `${WINDOW_RANGE}[parameters]\n"path.id" = "${c.escrowId}"\n`,
  },
];

interface Outcome {
  label: string;
  report: RunReport;
  requests: number;
  serverErrors: number;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const failuresOf = (report: RunReport, kinds: Set<string>) =>
  sum(report.failures.filter((f) => kinds.has(f.type)).map((f) => f.count));

function print(outcomes: Outcome[]): boolean {
  const line = '─'.repeat(72);
  say(line);
  let clean = true;
  for (const { label, report, requests, serverErrors } of outcomes) {
    const violations = failuresOf(report, SCHEMA_VIOLATIONS);
    say(
      `${label}: ${report.test_cases.generated} test cases generated, ${requests} requests answered, ${serverErrors} server errors (5xx), ${violations} schema violations, ${report.failures.length} failure kinds, ${report.errors.length} errors`,
    );
    for (const failure of report.failures) {
      say(
        `  ✗ ${failure.type} ×${failure.count}: ${failure.title} — ${failure.operations.join(', ')}`,
      );
    }
    for (const error of report.errors) say(`  ! error ×${error.count}: ${error.title}`);
    if (serverErrors > 0 || report.failures.length > 0 || report.errors.length > 0) clean = false;
    if (report.exit_code !== 0) clean = false;
  }
  say(line);
  say(
    `total: ${sum(outcomes.map((o) => o.report.test_cases.generated))} test cases generated, ${sum(outcomes.map((o) => o.requests))} requests, ${sum(outcomes.map((o) => o.serverErrors))} server errors, ${sum(outcomes.map((o) => failuresOf(o.report, SCHEMA_VIOLATIONS)))} schema violations (seed ${seed}) → ${clean ? 'PASS' : 'FAIL'}`,
  );
  return clean;
}

let stack: FuzzStack | undefined;
let workDir: string | undefined;
async function finish(code: number): Promise<never> {
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
  // Explicitly: a library's exit hook in this process must not pick the exit status.
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void finish(130));

try {
  const binary = ensureSchemathesis(say);
  say(
    `schemathesis at ${binary}; starting Postgres, Temporal, the sandbox PSP, the worker, the API…`,
  );
  stack = await startFuzzStack();
  const credentials = await fuzzCredentials(stack);
  say(`API at ${stack.apiUrl}; credentials ready (escrow ${credentials.escrowId})`);
  workDir = await mkdtemp(join(tmpdir(), 'escrow-fuzz-run-'));
  const outcomes: Outcome[] = [];
  for (const [index, phase] of PHASES.entries()) {
    say(
      `run ${index + 1}/${PHASES.length}: as ${phase.label}, ${maxExamples} examples per operation`,
    );
    const configFile = join(workDir, `schemathesis-${index}.toml`);
    const before = await apiRequestCounts(stack.apiUrl);
    const report = await runSchemathesis({
      schemaUrl: `${stack.apiUrl}/openapi.json`,
      token: phase.token(credentials),
      config: phase.config(credentials),
      configFile,
      reportFile: join(workDir, `report-${index}.json`),
      maxExamples,
      seed,
      onLine: prefixedWriter(`st-${index + 1}`),
    });
    const after = await apiRequestCounts(stack.apiUrl);
    outcomes.push({
      label: phase.label,
      report,
      requests: after.total - before.total,
      serverErrors: Math.max(
        after.serverErrors - before.serverErrors,
        failuresOf(report, SERVER_ERRORS),
      ),
    });
  }
  await finish(print(outcomes) ? 0 : 1);
} catch (error) {
  say(`fuzz failed to run: ${error instanceof Error ? error.stack : String(error)}`);
  await finish(1);
}
