/**
 * `npm run invoke -- events/http/health.json`: invokes the deployed handler of the event's route
 * with a sample event, against the engines of a running `npm start` (like `sam local invoke`).
 * Placeholders such as ${ACCESS_TOKEN} or ${PATIENT_ID} come from the environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { localDataDir } from './local/data-dir';
import { loadEvent } from './local/events';
import { lambdaContext, loadHandlers } from './local/http-adapter';

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
const { event, fn } = loadEvent(file, process.env);
const handler = (await loadHandlers())[fn];
if (!handler) throw new Error(`${fn} has no API function`);
const result = await handler(event, lambdaContext(`centrum-${fn}`, event.requestContext.requestId));
console.log(JSON.stringify(result, null, 2));
