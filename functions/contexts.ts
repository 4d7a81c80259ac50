import { agenda } from '#functions/agenda/context';
import { centres } from '#functions/centres/context';
import { identity } from '#functions/identity/context';
import { patients } from '#functions/patients/context';
import { platform } from '#functions/platform/context';
import { reminders } from '#functions/reminders/context';
import { composeContexts } from '#shared/context/compose';

/**
 * The edge: the one list of Centrum's bounded contexts. CDK (functions, routes, schedules, queues,
 * grants), the local stack (adapter, timers, queues), the OpenAPI document, CORS, the bench and the
 * route matrix all read the contexts from here, and nothing else lists them. Adding a context is a
 * folder `functions/<name>/` and one line below (docs/ARCHITECTURE.md, "Adding a context").
 */
export const api = composeContexts([platform, identity, centres, patients, agenda, reminders]);

/** The context whose function answers requests matching no route (API Gateway's `$default`): 404/405. */
export const FALLBACK_CONTEXT = 'platform';
