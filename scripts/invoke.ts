/**
 * `npm run invoke -- events/<context>/<event>.json`: invokes the deployed handler that serves a
 * sample event — a context's API function for an API Gateway request, its jobs function for a
 * scheduled run or an SQS batch — against the engines of a running `npm start` (like
 * `sam local invoke`). Placeholders such as ${ACCESS_TOKEN} or ${PATIENT_ID} come from the environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { localDataDir } from './local/data-dir';
import { loadEvent } from './local/events';
import { lambdaContext, loadHandlers } from './local/http-adapter';
import { loadJobHandlers } from './local/jobs';

const file = process.argv[2];
if (!file) {
  console.error(
    'usage: npm run invoke -- <event.json>   (placeholders such as $ACCESS_TOKEN in the event are read from the environment)',
  );
  process.exit(2);
}
const envFile = resolve(localDataDir(), 'local-env.json');
if (!existsSync(envFile)) {
  console.error('Start the local stack first: npm start');
  process.exit(1);
}
Object.assign(process.env, JSON.parse(readFileSync(envFile, 'utf8')));
const sample = loadEvent(file, process.env);
const context = lambdaContext(`centrum-${sample.fn}${sample.kind === 'jobs' ? '-jobs' : ''}`, 'invoke');
const result =
  sample.kind === 'http'
    ? await (
        await loadHandlers()
      )[sample.fn]!(sample.event, context)
    : await (
        await loadJobHandlers()
      )[sample.fn]!(sample.event, context);
console.log(JSON.stringify(result, null, 2));
// Messages a job queued went to this process's in-process queues: `npm run job` also delivers them.
process.exit(0);
