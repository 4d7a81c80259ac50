import { createJobsHandler } from '#shared/jobs/pipeline';
import { reminders } from './context';
import { recordDelivery, sesEvent, snsSmsLog } from './delivery';
import { dispatchReminders } from './dispatch';

/** The reminders context's background function: the dispatcher, and the providers' delivery events. */
export const handler = createJobsHandler(reminders, {
  schedules: { 'reminders-dispatch': dispatchReminders },
  workers: {
    'message-events': async ({ message, origin }) => {
      const event = sesEvent(message);
      // Not ours (an invitation's e-mail), or nothing to record: done. A tagged message not found
      // yet (the index lags its claim by a moment) throws, so SQS delivers it again.
      if (event && (await recordDelivery(event, origin)) === 'unknown') throw new Error('message not found (yet)');
    },
  },
  logs: {
    'sms-delivery-status': async (records) => {
      for (const record of records) {
        const event = snsSmsLog(record.message);
        // An SMS that is not a reminder (none yet) is simply not found.
        if (event) await recordDelivery(event, record.origin);
      }
    },
  },
});
