/**
 * Part 3 (child process): DynamoDB requests per API call for each route, counted by the SDK
 * middleware (CENTRUM_COUNT_REQUESTS=1) against DynamoDB Local. Calls each route once, happy
 * path, with the authorization matrix's requests, through the local adapter's `invoke`
 * (the deployed handlers, no socket). Run by bench/run.ts with the engine endpoint in the env.
 */
import type { Budget } from '#shared/db/budget';
import type { Caller } from '../test/support/matrix-world';
import { useLocalEngineEnv, writeChildResult } from './lib';

process.env.CENTRUM_COUNT_REQUESTS = '1';

const endpoint = useLocalEngineEnv('centrum-bench-requests');

// Only now: every #shared module reads its configuration at import time.
const { ensureTable } = await import('../scripts/local/engines');
await ensureTable(endpoint, process.env.TABLE_NAME!);
const { invoke, loadHandlers } = await import('../scripts/local/http-adapter');
const { requestCounts, resetRequestCounts, upkeepRequestCounts } = await import('#shared/db/request-counter');
const { api } = await import('#functions/contexts');
const { budgetTotal, overBudget } = await import('#shared/db/budget');
const { actorOf, setupRouteMatrix } = await import('../test/support/matrix-world');
const { caseOf } = await import('../test/support/route-cases');

await setupRouteMatrix();

/**
 * One happy-path request per route: the authorization matrix's request for the first caller the
 * matrix expects to succeed (anonymous for public routes, else the practitioner, else the manager).
 */
const preference: Caller[] = ['anonymous', 'practitioner', 'manager'];
const happyCaller = (operationId: string): Caller =>
  preference.find((who) => caseOf(operationId).expect[who] < 300) ?? 'manager';

export interface RouteCount {
  operationId: string;
  route: string;
  as: Caller | 'job';
  status: number;
  measured: Budget;
  budget: Budget;
  total: number;
  budgetTotal: number;
  over: string[];
}

const handlers = await loadHandlers();
const results: RouteCount[] = [];
for (const { operation: route } of api.operations) {
  const as = happyCaller(route.operationId);
  const req = await caseOf(route.operationId).request(as);
  const token = actorOf(as)?.token;
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(req.body));
  resetRequestCounts();
  const res = await invoke(handlers, {
    method: req.method,
    url: req.url,
    headers: {
      'user-agent': 'centrum-bench',
      ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
    sourceIp: req.sourceIp ?? '198.51.100.7',
  });
  const counts = requestCounts();
  const measured = counts as Budget;
  const budget: Budget = route.budget;
  const over = overBudget(counts, budget);
  const status = res.statusCode ?? 200;
  if (status >= 300)
    console.error(`  bench: ${route.operationId} answered ${status}: ${(res.body ?? '').slice(0, 200)}`);
  results.push({
    operationId: route.operationId,
    route: `${route.method} ${route.path}`,
    as,
    status,
    measured,
    budget,
    total: budgetTotal(measured),
    budgetTotal: budgetTotal(budget),
    over,
  });
}
// Background work: one run of each schedule that finds one thing to do, and one message of each
// queue it fills, through the deployed jobs handlers and the in-process queues.
const { localQueues } = await import('#shared/jobs/local-queues');
const { connectQueues, loadJobHandlers, queues, runSchedule, schedules } = await import('../scripts/local/jobs');
const { issueInvitation } = await import('#functions/centres/invitations');
const jobHandlers = await loadJobHandlers();
connectQueues(jobHandlers);
const { matrixWorld } = await import('../test/support/matrix-world');
await issueInvitation(matrixWorld().centre.manager.actor, { email: 'bench-expiry@example.test', role: 'practitioner' });
const row = (operationId: string, route: string, measured: Budget, budget: Budget): RouteCount => ({
  operationId,
  route,
  as: 'job',
  status: 200,
  measured,
  budget,
  total: budgetTotal(measured),
  budgetTotal: budgetTotal(budget),
  over: overBudget(measured as Record<string, number>, budget),
});
for (const { schedule } of schedules) {
  resetRequestCounts();
  await runSchedule(jobHandlers, schedule.name, new Date(Date.now() + 8 * 86_400_000));
  results.push(row(schedule.name, `schedule ${schedule.expression}`, requestCounts() as Budget, schedule.budget));
  for (const { queue } of queues.filter((q) => q.queue.producers.includes(schedule.name))) {
    const depth = localQueues.depth(queue.name);
    resetRequestCounts();
    await localQueues.drain();
    const perMessage = Object.fromEntries(
      Object.entries(requestCounts()).map(([command, n]) => [command, Math.ceil(n / Math.max(depth, 1))]),
    ) as Budget;
    results.push(row(queue.name, `queue, per message (${depth})`, perMessage, queue.budget));
  }
}
// A list or search records one event per patient returned (P5): its cost grows with the page,
// ⌈(n + 1) / 25⌉ BatchWriteItem for n patients. Measured on pages of 25, 50 and 100.
const { createPatient } = await import('#functions/patients/service');
const { buildCentre, newPatient, origin } = await import('../test/support/world');
const listCentre = await buildCentre('Bench list centre');
for (let i = 0; i < 100; i++)
  await createPatient(
    listCentre.practitioner.actor,
    newPatient({ lastName: `Bench${String(i).padStart(3, '0')}` }),
    origin,
  );
const listRoute = api.operations.find((o) => o.operation.operationId === 'listPatients')!.operation;
for (const limit of [25, 50, 100]) {
  resetRequestCounts();
  const res = await invoke(handlers, {
    method: 'GET',
    url: `/patients?lastName=bench&limit=${limit}`,
    headers: { 'user-agent': 'centrum-bench', authorization: `Bearer ${listCentre.practitioner.token}` },
    body: Buffer.alloc(0),
    sourceIp: '198.51.100.7',
  });
  const measured = requestCounts() as Budget;
  const floor: Budget = { Query: 1, BatchWriteItem: Math.ceil((limit + 1) / 25) };
  results.push({
    operationId: 'listPatients',
    route: `GET /patients, page of ${limit} (floor: ${formatFloor(floor)})`,
    as: 'practitioner',
    status: res.statusCode ?? 200,
    measured,
    budget: listRoute.budget,
    total: budgetTotal(measured),
    budgetTotal: budgetTotal(listRoute.budget),
    over: [
      ...overBudget(measured as Record<string, number>, listRoute.budget),
      ...overBudget(measured as Record<string, number>, floor).map((o) => `floor ${o}`),
    ],
  });
}
function formatFloor(budget: Budget) {
  return Object.entries(budget)
    .map(([command, n]) => `${command} ${n}`)
    .join(' + ');
}
writeChildResult({ results, upkeep: upkeepRequestCounts(), seconds: Math.round(performance.now() / 1000) });
// The SDK's keep-alive sockets would keep the process alive.
process.exit(0);
