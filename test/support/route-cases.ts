import { api } from '#functions/contexts';
import { agendaCases } from '../agenda/route-cases';
import { centresCases } from '../centres/route-cases';
import { identityCases } from '../identity/route-cases';
import { patientsCases } from '../patients/route-cases';
import { platformCases } from '../platform/route-cases';
import { remindersCases } from '../reminders/route-cases';
import type { Case } from './matrix-world';

/**
 * Every context's route × caller cases, by context name (each context keeps its own in
 * test/<context>/route-cases.ts). The authorization-matrix test checks that every operation of
 * every context listed at the edge has exactly one case.
 */
export const casesByContext: Record<string, Record<string, Case>> = {
  platform: platformCases,
  identity: identityCases,
  centres: centresCases,
  patients: patientsCases,
  agenda: agendaCases,
  reminders: remindersCases,
};

/** The case of an operation, wherever it is declared. */
export function caseOf(operationId: string): Case {
  const context = api.contextOf(operationId);
  const found = context ? casesByContext[context]?.[operationId] : undefined;
  if (!found) throw new Error(`No route × caller case for ${operationId} (test/${context ?? '?'}/route-cases.ts)`);
  return found;
}
