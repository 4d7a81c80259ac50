import { createJobsHandler } from '#shared/jobs/pipeline';
import { centres } from './context';
import { notifyExpiredInvitations, sendExpiryNotice } from './invitation-expiry';

/** The centres context's background function: its schedules and queue workers (functions/centres/context.ts). */
export const handler = createJobsHandler(centres, {
  schedules: { 'invitation-expiry': notifyExpiredInvitations },
  workers: { 'invitation-expired': sendExpiryNotice },
});
